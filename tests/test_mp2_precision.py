"""The framework's mixed precision (``Miniproject_2.others.precision``): bfloat16 products, float32 master weights.

This CPU may emulate bfloat16 (no AVX-512 BF16): these tests check what it computes, not its speed. Tolerances
come from bfloat16's 8-bit significand (a relative rounding of 2**-8 per value) or from torch's own bfloat16
autocast on the same network."""

from __future__ import annotations

import pytest
import torch

from Miniproject_1.others.unet import UNet as TorchUNet
from Miniproject_2.model import MSE, Adam, UNet
from Miniproject_2.others.network import course_network
from Miniproject_2.others.precision import BFLOAT16, autocast, compute, cpu_has_native_bfloat16, is_autocast_enabled
from Miniproject_2.others.training import TrainConfig, fit

BFLOAT16_STEP = 2.0 ** -8  # relative spacing of bfloat16 values


def relative_error(ours, reference) -> float:
    return ((ours.double() - reference.double()).norm() / reference.double().norm()).item()


def networks():
    torch.manual_seed(0)
    unet = UNet(width=8, depth=2)
    unet.tail.weight.normal_(0, 0.1)  # not the identity: the tail's products count too
    return {"unet": unet, "course nearest": course_network(widths=(8, 16)),
            "course transpose": course_network(widths=(8, 16), upsampling="transpose")}


def test_autocast_is_off_by_default_nests_and_leaves_float64_alone(no_autograd):
    x = torch.ones(2)
    assert not is_autocast_enabled() and compute(x) is x
    with autocast():
        assert compute(x).dtype == BFLOAT16 and compute(x.double()).dtype == torch.float64
        with autocast(enabled=False):
            assert compute(x) is x
        assert is_autocast_enabled()
    assert not is_autocast_enabled()


def test_native_bfloat16_reads_the_cpu_flags(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor : 0\nflags : fpu avx2 avx512_bf16\n")
    assert cpu_has_native_bfloat16(str(cpuinfo))
    cpuinfo.write_text("processor : 0\nflags : fpu avx2\n")
    assert not cpu_has_native_bfloat16(str(cpuinfo)) and not cpu_has_native_bfloat16(str(tmp_path / "missing"))


@pytest.mark.parametrize("name", ["unet", "course nearest", "course transpose"])
def test_outputs_under_autocast_stay_within_bfloat16_rounding_of_float32(no_autograd, name):
    network = networks()[name]
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    reference = network(x)
    with autocast():
        output = network(x)
    assert output.dtype in (torch.float32, BFLOAT16)
    # A few roundings of 2**-8 along the chain of layers (and some: the products did run in bfloat16).
    assert 0 < relative_error(output, reference) < 4 * BFLOAT16_STEP


def test_unet_gradients_under_autocast_are_as_close_to_float32_as_torchs_bfloat16_autocast(no_autograd):
    torch.manual_seed(3)
    reference = TorchUNet(width=8, depth=2)
    with torch.no_grad():
        reference.tail.weight.normal_(0, 0.1)
    ours = UNet(width=8, depth=2)
    ours.load_state_dict(reference.state_dict())
    x, grad = torch.rand(4, 3, 16, 16), torch.randn(4, 3, 16, 16)
    with torch.enable_grad():
        reference(x).backward(grad)
        exact = {name: p.grad.clone() for name, p in reference.named_parameters()}
        reference.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            output = reference(x)
        output.float().backward(grad)
        torchs = {name: p.grad.clone() for name, p in reference.named_parameters()}
    ours.zero_grad()
    with autocast():
        ours(x)
        ours.backward(grad)
    mixed = {name: g for name, _, g in ours.named_parameters()}
    assert all(g.dtype == torch.float32 for g in mixed.values()) and all(p.dtype == torch.float32 for p in ours.parameters())
    ours_error = max(relative_error(mixed[name], exact[name]) for name in exact)
    torch_error = max(relative_error(torchs[name], exact[name]) for name in exact)
    assert ours_error < 2 * torch_error, (ours_error, torch_error)


@pytest.mark.parametrize("name", ["unet", "course nearest"])
def test_training_under_autocast_lowers_the_loss_like_float32_with_float32_master_weights(no_autograd, name):
    generator = torch.Generator().manual_seed(2)
    # Piecewise-constant images (4x4 blocks) under Gaussian noise: something a few steps can learn to denoise.
    clean = torch.rand(48, 3, 4, 4, generator=generator).repeat_interleave(4, 2).repeat_interleave(4, 3) * 255
    noisy = (clean + 25 * torch.randn(clean.shape, generator=generator)).clamp(0, 255)
    losses = {}
    for bfloat16 in (False, True):
        network = networks()[name]
        optimizer = Adam(network.param(), lr=5e-3)
        config = TrainConfig(batch_size=8, lr=5e-3, augment=False)
        losses[bfloat16] = fit(network, optimizer, noisy, clean, 4, config, "cpu", torch.float32, bfloat16=bfloat16)
        assert all(p.dtype == torch.float32 for p in network.parameters())
        assert all(m.dtype == torch.float32 for m in optimizer.first_moments)
    assert losses[True][-1] < 0.97 * losses[True][0]
    assert abs(losses[True][-1] - losses[False][-1]) < 0.03 * losses[False][-1]
