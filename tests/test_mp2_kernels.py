"""The framework's convolution kernels and the grid blocks' activation gradient, piece by piece.

The modules' parity with torch (test_mp2_parity, test_mp2_unet) covers what these compute; here each fast path is
checked against its plain form, including the inputs that must take the plain one."""

from __future__ import annotations

import pytest
import torch

from Miniproject_2.others import conv_kernels
from Miniproject_2.others.activations import leaky_relu, leaky_relu_backward, leaky_relu_backward_from_output_
from Miniproject_2.others.conv_kernels import flipped_taps, shifted_products, shifted_weight_grad, tap_offsets


def _rows(count: int, channels: int, seed: int) -> torch.Tensor:
    return torch.randn(count, channels, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _per_tap_products(source, taps, offsets, count):
    out = source.new_zeros(count, taps.shape[3])
    for i, j, offset in offsets:
        out += source[offset:offset + count] @ taps[i, j]
    return out


@pytest.mark.parametrize("kernel, width", [((3, 3), 7), ((2, 2), 5), ((1, 3), 4), ((3, 1), 6)])
def test_shifted_products_batched_per_kernel_row(no_autograd, kernel, width):
    offsets = tap_offsets(width, kernel)
    source, taps = _rows(60, 4, 0), torch.randn(*kernel, 4, 5, dtype=torch.float64)
    count = 60 - offsets[-1][2]
    out = source.new_full((count + 3, 5), float("nan"))
    shifted_products(source, taps, offsets, count, out)
    torch.testing.assert_close(out[:count], _per_tap_products(source, taps, offsets, count), rtol=1e-12, atol=1e-12)
    assert out[count:].isnan().all()  # rows past count are not touched


def test_shifted_products_non_contiguous_source_takes_the_plain_path(no_autograd):
    offsets, count = tap_offsets(5, (3, 3)), 30
    wide = _rows(50, 8, 1)
    source = wide[:, ::2]  # rows with a stride of 8: no strided batch view of them exists
    assert conv_kernels._kernel_rows(source, offsets, (3, 3), count) is None
    taps = torch.randn(3, 3, 4, 3, dtype=torch.float64)
    out = source.new_empty(count, 3)
    shifted_products(source, taps, offsets, count, out)
    torch.testing.assert_close(out, _per_tap_products(source, taps, offsets, count), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("batched_below", [0, 10_000])
def test_shifted_weight_grad_batched_and_per_tap_agree(no_autograd, monkeypatch, batched_below):
    monkeypatch.setattr(conv_kernels, "BATCHED_WEIGHT_GRAD_ROWS", batched_below)
    offsets = tap_offsets(6, (3, 3))
    source, grad = _rows(80, 4, 2), _rows(80, 5, 3)
    count = 80 - offsets[-1][2]
    expected = torch.stack([source[offset:offset + count].t() @ grad[:count] for _, _, offset in offsets]).view(3, 3, 4, 5)
    torch.testing.assert_close(shifted_weight_grad(source, grad, offsets, count, (3, 3)), expected, rtol=1e-12, atol=1e-12)


def test_flipped_taps_turn_the_kernel_and_swap_channels(no_autograd):
    taps = torch.randn(3, 2, 4, 5)
    flipped = flipped_taps(taps)
    assert flipped.shape == (3, 2, 5, 4) and 1 in flipped.stride()[2:]  # tap matrices a product reads in place
    assert torch.equal(flipped[0, 1], taps[2, 0].t())


@pytest.mark.parametrize("slope", [0.1, 0.5, 0.999])
def test_leaky_relu_backward_from_output_is_torchs_rule(no_autograd, slope):
    x = torch.randn(4, 5, 6, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    x[0, 0] = 0.0  # torch sends slope * grad at exactly 0
    grad = torch.randn_like(x)
    with torch.enable_grad():
        leaf = x.clone().requires_grad_()
        torch.nn.functional.leaky_relu(leaf, slope).backward(grad)
    ours = leaky_relu_backward_from_output_(grad.clone(), leaky_relu(x, slope), slope)
    assert torch.equal(ours, leaf.grad)  # exactly grad or slope * grad
    torch.testing.assert_close(ours, leaky_relu_backward(grad, x, slope))


@pytest.mark.parametrize("slope", [0.0, 1.0, -0.2, 1.5])
def test_leaky_relu_backward_from_output_refuses_slopes_whose_output_hides_the_sign(slope):
    with pytest.raises(ValueError, match=r"slope in \(0, 1\)"):
        leaky_relu_backward_from_output_(torch.ones(3), torch.ones(3), slope)


NARROW_CASES = [  # kernel, stride, padding, dilation, output_padding (transposed only)
    ((3, 3), (2, 2), (1, 1), (1, 1), (1, 1)),  # the course network's upsampling
    ((3, 2), (1, 2), (0, 1), (1, 1), (0, 1)),
    ((3, 3), (2, 1), (2, 0), (2, 3), (1, 2)),  # an output padding as large as the stride (dilation allows it)
    ((1, 1), (3, 3), (0, 0), (1, 1), (2, 0)),
]


@pytest.mark.parametrize("kernel, stride, padding, dilation, output_padding", NARROW_CASES)
def test_narrow_layers_on_planes_match_torch(no_autograd, kernel, stride, padding, dilation, output_padding):
    from mp2_reference import check_block, copy_parameters

    from Miniproject_2.model import Conv2d, TransposeConv2d

    names = {"weight": "weight", "bias": "bias"}
    x = torch.randn(2, 8, 9, 10, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    ours = TransposeConv2d(8, 2, kernel, stride, padding, output_padding, dilation, dtype=torch.float64)
    assert ours._narrow()
    reference = torch.nn.ConvTranspose2d(8, 2, kernel, stride, padding, output_padding, dilation=dilation, dtype=torch.float64)
    copy_parameters(ours, reference, names)
    check_block(ours, reference, x, names)
    x = torch.randn(2, 2, 11, 12, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    ours = Conv2d(2, 8, kernel, stride, padding, dilation, dtype=torch.float64)
    reference = torch.nn.Conv2d(2, 8, kernel, stride, padding, dilation, dtype=torch.float64)
    copy_parameters(ours, reference, names)
    check_block(ours, reference, x, names)  # forward, weight gradient and the scattered input gradient


@pytest.mark.parametrize("batch, height, width", [(1, 1, 1), (2, 3, 5), (3, 4, 4), (1, 7, 2), (4, 32, 32)])
def test_grid_zero_border_clears_exactly_the_rows_that_are_not_pixels(batch, height, width):
    from Miniproject_2.others.grid import Grid
    expected = Grid.empty(torch.empty(0), batch, height, width, 3).data.zero_()
    Grid(expected, batch, height, width).image().fill_(1.0)
    storage = torch.ones(5 + expected.shape[0], 3)  # a grid that starts inside its storage
    grid = Grid(storage[5:], batch, height, width).zero_border()
    assert torch.equal(grid.data, expected)
    assert storage[:5].eq(1).all()
    with pytest.raises(ValueError, match="contiguous rows"):
        Grid(torch.ones(3, expected.shape[0]).t(), batch, height, width).zero_border()


@pytest.mark.parametrize("size, scale, kernel, padding", [((4, 4), (2, 2), (3, 3), (1, 1)), ((3, 5), (2, 3), (3, 3), (1, 1)),
                                                           ((5, 4), (2, 2), (5, 3), (2, 0)), ((4, 4), (3, 3), (2, 2), (0, 0))])
def test_stacked_phase_grad_is_the_phases_placed_on_zeros(size, scale, kernel, padding):
    from Miniproject_2.others.upsampling_phases import phase_regions, plan_for, stacked_phase_grad
    plans = plan_for(size, scale, kernel, padding)
    out_channels, positions = 3, (size[0] + plans[0].pad_before + plans[0].pad_after - plans[0].span + 1,
                                  size[1] + plans[1].pad_before + plans[1].pad_after - plans[1].span + 1)
    grad = torch.randn(2, plans[0].output, plans[1].output, out_channels, dtype=torch.float64)
    expected = grad.new_zeros(2, *positions, len(plans[0].phases) * len(plans[1].phases) * out_channels)
    for out_rows, out_cols, rows, cols, channels in phase_regions(plans, scale, out_channels):
        expected[:, rows, cols, channels] = grad[:, out_rows, out_cols]
    assert torch.equal(stacked_phase_grad(grad, plans, scale, positions), expected)
