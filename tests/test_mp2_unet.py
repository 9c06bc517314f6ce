"""The framework's U-Net against Miniproject_1's (torch + autograd) with the same weights."""

from __future__ import annotations

import pytest
import torch
from mp2_reference import assert_parity, run_reference

from Miniproject_1.others.unet import UNet as TorchUNet
from Miniproject_2.model import MSE, Adam, UNet


@pytest.mark.parametrize("width, depth, batch, size", [(4, 1, 1, 6), (5, 2, 3, 8), (8, 3, 3, 16), (3, 3, 5, (8, 24))])
def test_unet_matches_miniproject_1(no_autograd, width, depth, batch, size):
    torch.manual_seed(width * 10 + depth)
    reference = TorchUNet(width=width, depth=depth).double()
    with torch.no_grad():  # a non-zero tail, so that every gradient path is exercised
        for parameter in (reference.tail.weight, reference.tail.bias):
            parameter.normal_(0, 0.3)
    ours = UNet(width=width, depth=depth, dtype=torch.float64)
    ours.load_state_dict(reference.state_dict())
    height, width_px = (size, size) if isinstance(size, int) else size
    x = torch.rand(batch, 3, height, width_px, dtype=torch.float64)
    output, grad_output, grad_input, grads = run_reference(reference, x)
    ours.zero_grad()
    assert_parity(ours(x), output, "forward")
    assert_parity(ours.backward(grad_output), grad_input, "grad input")
    ours_grads = {name: grad for name, _, grad in ours.named_parameters()}
    assert set(ours_grads) == set(grads)
    for name, grad in grads.items():
        assert_parity(ours_grads[name], grad, f"grad {name}")


def test_unet_state_dict_matches_miniproject_1_and_starts_at_identity(no_autograd):
    ours, reference = UNet(width=6, depth=2), TorchUNet(width=6, depth=2)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in reference.state_dict().items()}
    assert list(ours.state_dict()) == list(reference.state_dict())
    reference.load_state_dict(ours.state_dict())  # and back
    x = torch.rand(2, 3, 8, 8)
    torch.testing.assert_close(ours(x), x)  # zero-initialised tail
    assert ours.arch() == reference.arch() and ours.multiple == reference.multiple == 4


def test_unet_errors_and_modes(no_autograd):
    net = UNet(width=2, depth=2)
    with pytest.raises(ValueError, match="multiples of 4"):
        net(torch.zeros(1, 3, 6, 8))
    with pytest.raises(ValueError, match="3 channels"):
        net(torch.zeros(1, 1, 8, 8))
    with pytest.raises(ValueError, match="before forward"):
        UNet(width=2, depth=1).backward(torch.zeros(1, 3, 4, 4))
    with pytest.raises(ValueError, match="depth"):
        UNet(width=2, depth=0)
    net.eval()
    assert not net.training and not net.head[0][0].training and not net.up[1][0][1].training


def test_adam_training_steps_follow_miniproject_1s_trajectory(no_autograd):
    """Three Adam steps on the framework and in torch from the same weights: same losses and weights (float64)."""
    torch.manual_seed(5)
    reference = TorchUNet(width=4, depth=2).double()
    ours = UNet(width=4, depth=2, dtype=torch.float64)
    ours.load_state_dict(reference.state_dict())
    ours_optimizer = Adam(ours.param(), lr=1e-2)
    reference_optimizer = torch.optim.Adam(reference.parameters(), lr=1e-2, foreach=False)
    loss = MSE()
    for step in range(3):
        x, y = torch.rand(2, 4, 3, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(step))
        ours.zero_grad()
        value = loss(ours(x), y)
        ours.backward(loss.backward())
        ours_optimizer.step()
        with torch.enable_grad():
            reference_optimizer.zero_grad()
            reference_value = torch.nn.functional.mse_loss(reference(x), y)
            reference_value.backward()
        reference_optimizer.step()
        assert_parity(value, reference_value.detach(), f"loss at step {step}")
    for name, value in reference.state_dict().items():
        assert_parity(ours.state_dict()[name], value, f"weight {name}")


def test_parameter_backward_gives_backwards_parameter_gradients(no_autograd):
    torch.manual_seed(6)
    net = UNet(width=4, depth=2, dtype=torch.float64)
    net.tail.weight.normal_(0, 0.3)
    x, grad = torch.rand(2, 3, 8, 8, dtype=torch.float64), torch.randn(2, 3, 8, 8, dtype=torch.float64)
    net(x)
    net.backward(grad)
    full = {name: g.clone() for name, _, g in net.named_parameters()}
    net.zero_grad()
    net(x)
    assert net.parameter_backward(grad) is None
    for name, _, g in net.named_parameters():
        torch.testing.assert_close(g, full[name])
