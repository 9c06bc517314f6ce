"""The U-Net's layers fused on grids (``grid``): what ``UNet`` runs.

Each block computes one or more of the U-Net's layers at once, reading and writing grids (zero-
bordered channels-last images), and uses the parameters of the ``Conv2d`` layers it is given, so
the network's ``state_dict`` stays that of its plain layout:

* ``GridConv``: 3x3 convolution + bias + leaky ReLU, grid -> grid. Nine matrix products on
  shifted row slices (``conv_kernels.shifted_products``) written straight into the output grid.
* ``GridInput``: the first convolution, from the ``(N, C, H, W)`` input (few channels) to a grid,
  through ``unfold`` with padding 2 so that its output positions are exactly the grid's.
* ``GridOutput``: the last convolution (few output channels), grid -> ``(N, C, H, W)``, through
  ``fold`` (``conv_unfold.fold_conv_forward``).
* ``GridPool``: 2x2 max-pooling, grid -> grid, on strided views (``pooling.tournament_max``).
* ``GridUpConv``: nearest x2 upsampling of the level below, concatenation with the skip
  connection, convolution, bias and leaky ReLU, in one block. The convolution of the concatenation
  is the sum of the convolutions of its two parts; the upsampled part is computed on the small
  image with the phase kernels of ``upsampling_phases`` (2.25x fewer products), so neither the
  upsampled image nor the concatenation is ever built.

``backward`` of every block takes the gradient w.r.t. its output (a grid, zero border, or the
``(N, C, H, W)`` output) and returns the gradient w.r.t. its input(s) in the same layouts.
"""

from __future__ import annotations

from . import checks
from .activations import leaky_relu, leaky_relu_backward
from .conv_kernels import shifted_input_grad, shifted_products, shifted_weight_grad, tap_offsets
from .conv_unfold import fold_conv_backward, fold_conv_forward, unfold_conv_backward, unfold_conv_forward
from .grid import Conv3x3Rows, interior, new_grid, rows, zero_border
from .module import Module
from .pooling import route_to_winners, tournament_max, window_views
from .upsampling_phases import phase_regions, plan_for, stacked_taps, unstack_taps_grad

SCALE = (2, 2)


def _taps(weight):
    """``(O, C, 3, 3)`` -> tap layout ``(3, 3, C, O)``."""
    return weight.permute(2, 3, 1, 0).contiguous()


def _check_conv(conv) -> None:
    if (conv.kernel_size, conv.padding, conv.stride, conv.dilation) != ((3, 3), (1, 1), (1, 1), (1, 1)):
        raise ValueError(f"grid blocks run 3x3 convolutions with padding 1, stride 1 and no dilation, got {conv}")


class _Activated(Module):
    """A convolution's bias and optional leaky ReLU on the grid it wrote, and their adjoints."""

    def __init__(self, conv, negative_slope: float | None) -> None:
        super().__init__()
        self.conv = conv
        self.negative_slope = negative_slope
        self._saved = None

    def children(self):
        return []  # the layout that built this block owns the convolution's parameters

    def _activate(self, grid):
        """Bias, activation and a zeroed border on the convolution's output grid ``grid`` (modified).
        Returns the output grid and the tensor whose signs the activation's gradient needs."""
        if self.conv.bias is not None:
            grid.add_(self.conv.bias)
        if self.negative_slope is None:
            return zero_border(grid), None
        out = zero_border(leaky_relu(grid, self.negative_slope))
        # With a positive slope the output has the input's signs, and it is kept anyway (the next layer reads it).
        return out, (out if self.negative_slope > 0 else grid)

    def _deactivate(self, grad, signs):
        """The gradient w.r.t. the convolution's output (same layout as ``grad``); accumulates the bias gradient."""
        if self.negative_slope is not None:
            grad = leaky_relu_backward(grad, signs, self.negative_slope)
        if self.conv.bias is not None:
            self.conv.bias_grad += grad.reshape(-1, grad.shape[-1]).sum(0)
        return grad


class GridConv(_Activated):
    """``Conv2d`` (3x3, padding 1) + bias + leaky ReLU (``negative_slope``; None: none), grid -> grid."""

    def __init__(self, conv, negative_slope: float | None) -> None:
        _check_conv(conv)
        super().__init__(conv, negative_slope)

    def forward(self, grid):
        n, hp, wp, _ = grid.shape
        where = Conv3x3Rows.of(grid)
        out = new_grid(grid, n, hp - 2, wp - 2, self.conv.out_channels)
        shifted_products(rows(grid), _taps(self.conv.weight), where.offsets, where.count, rows(out)[where.shift:])
        out, signs = self._activate(out)
        self._saved = (grid, signs)
        return out

    def backward(self, grad):
        grid, signs = checks.saved(self._saved, self)
        grad = self._deactivate(grad, signs)
        where = Conv3x3Rows.of(grid)
        grad_rows = rows(grad)[where.shift:]
        self.conv.weight_grad += shifted_weight_grad(rows(grid), grad_rows, where.offsets, where.count, (3, 3)).permute(3, 2, 0, 1)
        grad_input = grid.new_empty(grid.shape)
        shifted_input_grad(grad_rows, _taps(self.conv.weight), where.offsets, where.count, rows(grad_input))
        return zero_border(grad_input)


class GridInput(_Activated):
    """The first ``Conv2d`` (3x3, padding 1) + bias + leaky ReLU: ``(N, C, H, W)`` -> grid.

    With padding 2 the convolution's ``(H+2) x (W+2)`` outputs are the grid's positions (output
    ``(a, b)`` is centred on input pixel ``(a-1, b-1)``); the border ones are zeroed."""

    def __init__(self, conv, negative_slope: float | None) -> None:
        _check_conv(conv)
        super().__init__(conv, negative_slope)

    def forward(self, x):
        n, _, height, width = x.shape
        out_rows, cols = unfold_conv_forward(x, self.conv.weight, None, (1, 1), (2, 2), (1, 1))
        out, signs = self._activate(out_rows.view(n, height + 2, width + 2, self.conv.out_channels))
        self._saved = (cols, (height, width), signs)
        return out

    def backward(self, grad):
        cols, size, signs = checks.saved(self._saved, self)
        grad = self._deactivate(grad, signs)
        grad_rows = grad.view(grad.shape[0], -1, grad.shape[3])
        return unfold_conv_backward(cols, grad_rows, self.conv.weight, self.conv.weight_grad, size, (1, 1), (2, 2), (1, 1))


class GridOutput(Module):
    """The last ``Conv2d`` (3x3, padding 1, no activation): grid -> ``(N, C_out, H, W)``, through ``fold``."""

    def __init__(self, conv) -> None:
        _check_conv(conv)
        super().__init__()
        self.conv = conv
        self._saved = None

    def children(self):
        return []

    def forward(self, grid):
        n, hp, wp, channels = grid.shape
        grid_rows = grid.view(n, hp * wp, channels)
        self._saved = grid_rows, grid.shape
        return fold_conv_forward(grid_rows, self.conv.weight, self.conv.bias, (hp, wp))

    def backward(self, grad_output):
        grid_rows, shape = checks.saved(self._saved, self)
        if self.conv.bias is not None:
            self.conv.bias_grad += grad_output.sum(dim=(0, 2, 3))
        grad_rows = fold_conv_backward(grid_rows, grad_output, self.conv.weight, self.conv.weight_grad)
        return zero_border(grad_rows.view(shape))


class GridPool(Module):
    """2x2 max-pooling, grid ``(N, 2h+2, 2w+2, C)`` -> grid ``(N, h+2, w+2, C)`` (ties: ``MaxPool2d``'s rule)."""

    def __init__(self) -> None:
        super().__init__()
        self._saved = None

    def forward(self, grid):
        n, hp, wp, channels = grid.shape
        size = ((hp - 2) // 2, (wp - 2) // 2)
        values, rounds = tournament_max(window_views(interior(grid), SCALE, SCALE, size))
        out = new_grid(grid, n, *size, channels)
        interior(out).copy_(values)
        self._saved = (rounds, size)
        return zero_border(out)

    def backward(self, grad, grad_input):
        """Add the input's gradient to ``grad_input`` (the input grid's gradient from its other use); returns it."""
        rounds, size = checks.saved(self._saved, self)
        for view, part in zip(window_views(interior(grad_input), SCALE, SCALE, size), route_to_winners(interior(grad), rounds)):
            view += part
        return grad_input


class GridUpConv(_Activated):
    """``conv(cat([upsample_x2(low), skip]))`` + bias + leaky ReLU: grids ``(N, h+2, w+2, C_low)`` and
    ``(N, 2h+2, 2w+2, C_skip)`` -> grid ``(N, 2h+2, 2w+2, C_out)``. ``conv``: a 3x3 ``Conv2d`` over
    ``C_low + C_skip`` channels, upsampled ones first."""

    def __init__(self, conv, negative_slope: float | None, low_channels: int) -> None:
        _check_conv(conv)
        super().__init__(conv, negative_slope)
        self.low_channels = low_channels

    def _split_taps(self):
        taps = _taps(self.conv.weight)
        return taps[:, :, :self.low_channels].contiguous(), taps[:, :, self.low_channels:].contiguous()

    @staticmethod
    def _low_rows(low):
        """Tap offsets and product count of the 2x2 phase kernels on the low-resolution grid."""
        offsets = tap_offsets(low.shape[2], (2, 2))
        return offsets, low.shape[0] * low.shape[1] * low.shape[2] - offsets[-1][2]

    @staticmethod
    def _plans(low):
        plans = plan_for((low.shape[1] - 2, low.shape[2] - 2), SCALE, (3, 3), (1, 1))
        # Nearest x2 then a 3x3 convolution with padding 1 pads the small image by one pixel each side: its grid.
        assert all((plan.pad_before, plan.pad_after) == (1, 1) for plan in plans)
        return plans

    def forward(self, low, skip):
        n, hp, wp, _ = skip.shape
        out_channels = self.conv.out_channels
        up_taps, skip_taps = self._split_taps()
        where = Conv3x3Rows.of(skip)
        out = new_grid(skip, n, hp - 2, wp - 2, out_channels)
        shifted_products(rows(skip), skip_taps, where.offsets, where.count, rows(out)[where.shift:])
        plans = self._plans(low)
        offsets, count = self._low_rows(low)
        phased = low.new_empty(low.shape[0], low.shape[1], low.shape[2], 4 * out_channels)
        shifted_products(rows(low), stacked_taps(up_taps, plans), offsets, count, rows(phased))
        out_interior = interior(out)
        for out_rows, out_cols, low_rows, low_cols, channels in phase_regions(plans, SCALE, out_channels):
            out_interior[:, out_rows, out_cols] += phased[:, low_rows, low_cols, channels]
        out, signs = self._activate(out)
        self._saved = (low, skip, signs, plans)
        return out

    def backward(self, grad):
        """Returns the gradients w.r.t. ``low`` and ``skip`` (grids)."""
        low, skip, signs, plans = checks.saved(self._saved, self)
        grad = self._deactivate(grad, signs)
        out_channels = self.conv.out_channels
        up_taps, skip_taps = self._split_taps()
        where = Conv3x3Rows.of(skip)
        grad_rows = rows(grad)[where.shift:]
        skip_taps_grad = shifted_weight_grad(rows(skip), grad_rows, where.offsets, where.count, (3, 3))
        grad_skip = skip.new_empty(skip.shape)
        shifted_input_grad(grad_rows, skip_taps, where.offsets, where.count, rows(grad_skip))
        # Each phase's output gradient, placed where the phase products wrote it on the low grid.
        phased = low.new_zeros(low.shape[0], low.shape[1], low.shape[2], 4 * out_channels)
        grad_interior = interior(grad)
        for out_rows, out_cols, low_rows, low_cols, channels in phase_regions(plans, SCALE, out_channels):
            phased[:, low_rows, low_cols, channels] = grad_interior[:, out_rows, out_cols]
        offsets, count = self._low_rows(low)
        up_taps_grad = unstack_taps_grad(shifted_weight_grad(rows(low), rows(phased), offsets, count, (2, 2)), plans, (3, 3))
        grad_low = low.new_empty(low.shape)
        shifted_input_grad(rows(phased), stacked_taps(up_taps, plans), offsets, count, rows(grad_low))
        self.conv.weight_grad[:, :self.low_channels] += up_taps_grad.permute(3, 2, 0, 1)
        self.conv.weight_grad[:, self.low_channels:] += skip_taps_grad.permute(3, 2, 0, 1)
        return zero_border(grad_low), zero_border(grad_skip)
