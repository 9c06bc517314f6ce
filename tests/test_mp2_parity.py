"""Every framework block against torch.nn + autograd, on randomized configurations."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mp2_reference import assert_parity, check_block, copy_parameters

from Miniproject_2.model import (
    Conv2d, LeakyReLU, MSE, NearestUpsampling, ReLU, Sequential, Sigmoid, TransposeConv2d, Upsampling,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DTYPES = st.sampled_from([torch.float32, torch.float64])
pair = lambda low, high: st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))  # noqa: E731
as_pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
CONV_NAMES = {"weight": "weight", "bias": "bias"}


def random_input(draw, batch, channels, height, width, dtype):
    seed = draw(st.integers(0, 2**31 - 1))
    return torch.randn(batch, channels, height, width, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@st.composite
def conv_cases(draw):
    kernel, stride, padding, dilation = draw(pair(1, 5)), draw(pair(1, 3)), draw(pair(0, 2)), draw(pair(1, 2))
    extent = [d * (k - 1) + 1 - 2 * p for k, p, d in zip(as_pair(kernel), as_pair(padding), as_pair(dilation))]
    height, width = (draw(st.integers(max(1, e), max(1, e) + 9)) for e in extent)
    channels_in, channels_out = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    batch, dtype, bias = draw(st.integers(1, 4)), draw(DTYPES), draw(st.booleans())
    x = random_input(draw, batch, channels_in, height, width, dtype)
    return dict(in_channels=channels_in, out_channels=channels_out, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, bias=bias), x


@given(conv_cases())
@SETTINGS
def test_conv2d_matches_torch(no_autograd, case):
    arguments, x = case
    ours = Conv2d(**arguments, dtype=x.dtype)
    reference = torch.nn.Conv2d(**arguments, dtype=x.dtype)
    names = CONV_NAMES if arguments["bias"] else {"weight": "weight"}
    copy_parameters(ours, reference, names)
    check_block(ours, reference, x, names)


@st.composite
def transpose_conv_cases(draw):
    kernel, stride, padding, dilation = draw(pair(1, 5)), draw(pair(1, 3)), draw(pair(0, 2)), draw(pair(1, 2))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(as_pair(stride), as_pair(dilation)))
    sizes = []
    for k, s, p, d, op in zip(as_pair(kernel), as_pair(stride), as_pair(padding), as_pair(dilation), output_padding):
        smallest = 1
        while (smallest - 1) * s - 2 * p + d * (k - 1) + op + 1 < 1:
            smallest += 1
        sizes.append(draw(st.integers(smallest, smallest + 8)))
    channels_in, channels_out = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    batch, dtype, bias = draw(st.integers(1, 4)), draw(DTYPES), draw(st.booleans())
    x = random_input(draw, batch, channels_in, *sizes, dtype)
    return dict(in_channels=channels_in, out_channels=channels_out, kernel_size=kernel, stride=stride, padding=padding,
                output_padding=output_padding, dilation=dilation, bias=bias), x


@given(transpose_conv_cases())
@SETTINGS
def test_transpose_conv2d_matches_torch(no_autograd, case):
    arguments, x = case
    ours = TransposeConv2d(**arguments, dtype=x.dtype)
    reference = torch.nn.ConvTranspose2d(**arguments, dtype=x.dtype)
    names = CONV_NAMES if arguments["bias"] else {"weight": "weight"}
    copy_parameters(ours, reference, names)
    check_block(ours, reference, x, names)


@st.composite
def upsampling_cases(draw):
    scale, kernel, padding = draw(pair(1, 3)), draw(pair(1, 5)), draw(pair(0, 2))
    sizes = []
    for s, k, p in zip(as_pair(scale), as_pair(kernel), as_pair(padding)):
        smallest = 1
        while smallest * s + 2 * p - k + 1 < 1:
            smallest += 1
        sizes.append(draw(st.integers(smallest, smallest + 7)))
    channels_in, channels_out = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    batch, dtype, bias = draw(st.integers(1, 4)), draw(DTYPES), draw(st.booleans())
    x = random_input(draw, batch, channels_in, *sizes, dtype)
    return (channels_in, channels_out, kernel, scale, padding, bias), x


@given(upsampling_cases())
@SETTINGS
def test_upsampling_matches_nearest_upsample_then_conv(no_autograd, case):
    (channels_in, channels_out, kernel, scale, padding, bias), x = case
    ours = Upsampling(channels_in, channels_out, kernel, scale_factor=scale, padding=padding, bias=bias, dtype=x.dtype)
    conv = torch.nn.Conv2d(channels_in, channels_out, kernel, padding=padding, bias=bias, dtype=x.dtype)
    reference = torch.nn.Sequential(torch.nn.Upsample(scale_factor=as_pair(scale), mode="nearest"), conv)
    names = {"conv.weight": "1.weight", "conv.bias": "1.bias"} if bias else {"conv.weight": "1.weight"}
    copy_parameters(ours, reference, names)
    check_block(ours, reference, x, names)


@given(upsampling_cases())
@SETTINGS
def test_nearest_upsampling_then_conv2d_runs_fused_and_matches_torch(no_autograd, case):
    (channels_in, channels_out, kernel, scale, padding, bias), x = case
    ours = Sequential(NearestUpsampling(scale), Conv2d(channels_in, channels_out, kernel, padding=padding, bias=bias, dtype=x.dtype))
    assert isinstance(ours.steps()[0], Upsampling)  # the pair runs as one fused block
    conv = torch.nn.Conv2d(channels_in, channels_out, kernel, padding=padding, bias=bias, dtype=x.dtype)
    reference = torch.nn.Sequential(torch.nn.Upsample(scale_factor=as_pair(scale), mode="nearest"), conv)
    names = {"1.weight": "1.weight", "1.bias": "1.bias"} if bias else {"1.weight": "1.weight"}
    copy_parameters(ours, reference, names)
    check_block(ours, reference, x, names)


def test_a_strided_conv2d_after_nearest_upsampling_is_not_fused(no_autograd):
    layers = Sequential(NearestUpsampling(2), Conv2d(3, 4, 3, stride=2, padding=1), NearestUpsampling(2))
    assert layers.steps() == layers.modules


def test_upsampling_default_padding_keeps_the_upsampled_size(no_autograd):
    layer = Upsampling(3, 5, kernel_size=3, scale_factor=2)
    assert layer(torch.randn(2, 3, 7, 5)).shape == (2, 5, 14, 10)


@given(scale=pair(1, 4), dtype=DTYPES, size=st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 9), st.integers(1, 9)))
@SETTINGS
def test_nearest_upsampling_matches_torch(no_autograd, scale, dtype, size):
    x = torch.randn(size, dtype=dtype)
    check_block(NearestUpsampling(scale), torch.nn.Upsample(scale_factor=as_pair(scale), mode="nearest"), x, {})


@pytest.mark.parametrize("ours, reference", [
    (ReLU(), torch.nn.ReLU()),
    (LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    (Sigmoid(), torch.nn.Sigmoid()),
], ids=["relu", "leaky_relu", "sigmoid"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_activations_match_torch(no_autograd, ours, reference, dtype):
    x = torch.randn(3, 4, 5, 6, generator=torch.Generator().manual_seed(1), dtype=dtype) * 8
    x[0, 0, 0, :3] = 0.0  # the kink: gradient conventions must match too
    check_block(ours, reference, x, {})
    assert ours.param() == []


def test_sigmoid_is_stable_for_large_inputs(no_autograd):
    x = torch.tensor([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4], dtype=torch.float32)
    sigmoid = Sigmoid()
    out = sigmoid(x)
    assert torch.isfinite(out).all()
    assert_parity(out, torch.sigmoid(x), "sigmoid")
    assert torch.isfinite(sigmoid.backward(torch.ones_like(x))).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_mse_matches_torch(no_autograd, dtype):
    generator = torch.Generator().manual_seed(2)
    prediction, target = torch.randn(4, 3, 5, 5, generator=generator, dtype=dtype), torch.randn(4, 3, 5, 5, generator=generator, dtype=dtype)
    with torch.enable_grad():
        leaf = prediction.clone().requires_grad_()
        reference = torch.nn.MSELoss()(leaf, target)
        reference.backward()
    loss = MSE()
    assert_parity(loss(prediction, target), reference.detach(), "loss")
    assert_parity(loss.backward(), leaf.grad, "grad")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sequential_chains_forward_and_backward(no_autograd, dtype):
    torch.manual_seed(3)
    ours = Sequential(Conv2d(3, 8, 3, stride=2, padding=1, dtype=dtype), ReLU(), Conv2d(8, 16, 3, stride=2, padding=1, dtype=dtype), ReLU(),
                      Upsampling(16, 8, 3, dtype=dtype), LeakyReLU(0.1), TransposeConv2d(8, 3, 4, stride=2, padding=1, dtype=dtype), Sigmoid())
    reference = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, 2, 1, dtype=dtype), torch.nn.ReLU(), torch.nn.Conv2d(8, 16, 3, 2, 1, dtype=dtype), torch.nn.ReLU(),
        torch.nn.Sequential(torch.nn.Upsample(scale_factor=2), torch.nn.Conv2d(16, 8, 3, padding=1, dtype=dtype)), torch.nn.LeakyReLU(0.1),
        torch.nn.ConvTranspose2d(8, 3, 4, 2, 1, dtype=dtype), torch.nn.Sigmoid())
    names = {}
    for index in (0, 2, 6):
        names.update({f"{index}.weight": f"{index}.weight", f"{index}.bias": f"{index}.bias"})
    names.update({"4.conv.weight": "4.1.weight", "4.conv.bias": "4.1.bias"})
    copy_parameters(ours, reference, names)
    check_block(ours, reference, torch.randn(2, 3, 12, 12, dtype=dtype), names)


def test_conv2d_default_initialisation_has_torchs_bounds(no_autograd):
    layer = Conv2d(4, 6, (3, 2))
    bound = 1 / (4 * 3 * 2) ** 0.5
    assert layer.weight.shape == (6, 4, 3, 2) and layer.bias.shape == (6,)
    assert layer.weight.abs().max() <= bound and layer.bias.abs().max() <= bound
    assert layer.weight.std() > bound / 4  # not all zeros or a constant
    transposed = TransposeConv2d(4, 6, 3)
    assert transposed.weight.shape == (4, 6, 3, 3)
    assert transposed.weight.abs().max() <= 1 / (6 * 9) ** 0.5
