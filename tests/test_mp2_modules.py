"""Module housekeeping and error messages of the framework."""

from __future__ import annotations

import pytest
import torch

from Miniproject_2.model import (
    MSE, SGD, Conv2d, LeakyReLU, NearestUpsampling, ReLU, Sequential, Sigmoid, TransposeConv2d, Upsampling,
)


def small_network():
    return Sequential(Conv2d(3, 4, 3, stride=2, padding=1), ReLU(), Upsampling(4, 3, 3), Sigmoid())


def test_param_lists_pairs_of_same_shape(no_autograd):
    network = small_network()
    pairs = network.param()
    assert len(pairs) == 4
    assert all(value.shape == grad.shape for value, grad in pairs)
    assert [tuple(v.shape) for v in network.parameters()] == [(4, 3, 3, 3), (4,), (3, 4, 3, 3), (3,)]
    assert ReLU().param() == [] and MSE().param() == [] and NearestUpsampling(2).param() == []


def test_backward_accumulates_and_zero_grad_resets(no_autograd):
    network = small_network()
    x = torch.randn(2, 3, 8, 8)
    network(x)
    network.backward(torch.ones(2, 3, 8, 8))
    once = [g.clone() for _, g in network.param()]
    network(x)
    network.backward(torch.ones(2, 3, 8, 8))
    for (_, grad), first in zip(network.param(), once):
        torch.testing.assert_close(grad, 2 * first)
    network.zero_grad()
    assert all(grad.abs().sum() == 0 for _, grad in network.param())


def test_state_dict_round_trip_and_names(no_autograd):
    network, other = small_network(), small_network()
    state = network.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.conv.weight", "2.conv.bias"]
    other.load_state_dict(state)
    x = torch.randn(1, 3, 6, 6)
    torch.testing.assert_close(other(x), network(x))
    state["0.weight"].zero_()  # a copy: the network is not changed through it
    assert network.state_dict()["0.weight"].abs().sum() > 0


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.pop("0.bias"), r"missing keys \['0.bias'\]"),
    (lambda s: s.update({"9.weight": torch.zeros(1)}), r"unexpected keys \['9.weight'\]"),
    (lambda s: s.update({"0.weight": torch.zeros(4, 3, 2, 2)}), r"shape \(4, 3, 2, 2\), expected \(4, 3, 3, 3\)"),
    (lambda s: s.update({"0.weight": [1.0]}), "must be a tensor"),
])
def test_load_state_dict_rejects_bad_states(no_autograd, edit, message):
    network = small_network()
    state = network.state_dict()
    edit(state)
    with pytest.raises(ValueError, match=message):
        network.load_state_dict(state)


def test_to_casts_in_place_so_optimizers_keep_working(no_autograd):
    network = small_network()
    optimizer = SGD(network.param(), lr=0.1)
    network.to(dtype=torch.float64)
    assert all(value.dtype == torch.float64 and grad.dtype == torch.float64 for value, grad in network.param())
    loss = MSE()
    x = torch.rand(2, 3, 8, 8, dtype=torch.float64)
    before = loss(network(x), x).item()
    for _ in range(5):
        network.zero_grad()
        loss(network(x), x)
        network.backward(loss.backward())
        optimizer.step()
    assert loss(network(x), x).item() < before


def test_train_and_eval_recurse(no_autograd):
    network = small_network()
    network.eval()
    assert not network.training and not network[2].conv.training
    network.train()
    assert network[0].training


def test_runs_without_autograd(no_autograd):
    network, loss = small_network(), MSE()
    x = torch.rand(2, 3, 8, 8)
    out = network(x)
    loss(out, x)
    grad = network.backward(loss.backward())
    assert not out.requires_grad and not grad.requires_grad


@pytest.mark.parametrize("module, x, message", [
    (Conv2d(3, 4, 3), torch.randn(1, 5, 8, 8), r"3 channels .* got shape \(1, 5, 8, 8\)"),
    (Conv2d(3, 4, 3), torch.randn(3, 8, 8), r"4-D .* got shape \(3, 8, 8\)"),
    (Conv2d(3, 4, 5), torch.randn(1, 3, 3, 3), r"larger than the padded input \(3, 3\)"),
    (Conv2d(3, 4, 3, dilation=3), torch.randn(1, 3, 6, 6), r"spans \(7, 7\) pixels"),
    (Conv2d(3, 4, 3), torch.zeros(1, 3, 8, 8, dtype=torch.int64), "floating-point"),
    (Conv2d(3, 4, 3), torch.randn(1, 3, 8, 8, dtype=torch.float64), "convert the input"),
    (Conv2d(3, 4, 3), [[1.0]], "must be a tensor"),
    (TransposeConv2d(3, 4, 3, padding=2), torch.randn(1, 3, 1, 1), "reduce padding"),
    (Upsampling(3, 4, 5, padding=0), torch.randn(1, 3, 1, 1), "larger than the padded upsampled input"),
    (NearestUpsampling(2), torch.randn(3, 4), "4-D"),
    (ReLU(), "x", "must be a tensor"),
])
def test_bad_input_is_a_clear_value_error(no_autograd, module, x, message):
    with pytest.raises(ValueError, match=message):
        module(x)


@pytest.mark.parametrize("module", [
    Conv2d(3, 4, 3), TransposeConv2d(3, 4, 3), Upsampling(3, 4, 3), NearestUpsampling(2), ReLU(), LeakyReLU(), Sigmoid(), MSE(),
], ids=lambda m: type(m).__name__)
def test_backward_before_forward_is_a_clear_error(no_autograd, module):
    with pytest.raises(ValueError, match="backward called before forward"):
        module.backward() if isinstance(module, MSE) else module.backward(torch.zeros(1, 4, 4, 4))


@pytest.mark.parametrize("module", [
    Conv2d(3, 4, 3, padding=1), TransposeConv2d(3, 4, 3, padding=1), Upsampling(3, 4, 3), NearestUpsampling(2), ReLU(), Sigmoid(),
], ids=lambda m: type(m).__name__)
def test_gradient_of_the_wrong_shape_is_a_clear_error(no_autograd, module):
    out = module(torch.randn(2, 3, 5, 5))
    wrong = torch.zeros(out.shape[0], out.shape[1] + 1, *out.shape[2:])
    with pytest.raises(ValueError, match=rf"output's shape {tuple(out.shape)}".replace("(", r"\(").replace(")", r"\)")):
        module.backward(wrong)


@pytest.mark.parametrize("make, message", [
    (lambda: Conv2d(0, 4, 3), "in_channels"),
    (lambda: Conv2d(3, 4, 0), "kernel_size must be at least 1"),
    (lambda: Conv2d(3, 4, (3, 3, 3)), "int or a pair"),
    (lambda: Conv2d(3, 4, 3, stride=0), "stride"),
    (lambda: Conv2d(3, 4, 3, padding=-1), "padding"),
    (lambda: TransposeConv2d(3, 4, 3, stride=2, output_padding=2), "output_padding"),
    (lambda: NearestUpsampling(0), "scale_factor"),
    (lambda: LeakyReLU("a"), "negative_slope"),
    (lambda: Sequential(ReLU(), "relu"), "Sequential argument 1"),
])
def test_constructor_arguments_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_mse_rejects_mismatched_shapes(no_autograd):
    with pytest.raises(ValueError, match=r"same shape, got \(1, 3\) and \(1, 4\)"):
        MSE()(torch.zeros(1, 3), torch.zeros(1, 4))


def test_blocks_are_importable_from_the_course_module():
    from Miniproject_2.model import Conv2d, MSE, NearestUpsampling, ReLU, SGD, Sequential, Sigmoid, TransposeConv2d, Upsampling  # noqa: F401


@pytest.mark.parametrize("upsampling", ["nearest", "transpose"])
def test_parameter_backward_accumulates_what_backward_does_without_the_input_gradient(no_autograd, upsampling):
    from Miniproject_2.others.network import course_network
    torch.manual_seed(4)
    network = course_network(widths=(8, 16), upsampling=upsampling)
    x, grad = torch.rand(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    network(x)
    network.backward(grad)
    full = [g.clone() for _, g in network.param()]
    network.zero_grad()
    network(x)
    assert network.parameter_backward(grad) is None
    for (_, g), expected in zip(network.param(), full):
        torch.testing.assert_close(g, expected)
