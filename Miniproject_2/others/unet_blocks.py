"""The U-Net's layers fused on grids (``grid``): what ``UNet`` runs.

Each block computes one or more of the U-Net's layers at once, reading and writing grids (zero-
bordered channels-last images), and uses the parameters of the ``Conv2d`` layers it is given, so
the network's ``state_dict`` stays that of its plain layout:

* ``GridConv``: 3x3 convolution + bias + leaky ReLU, grid -> grid. Nine matrix products on
  shifted row slices (``conv_kernels.shifted_products``) written straight into the output grid.
* ``GridInput``: the first convolution, from the ``(N, C, H, W)`` input (few channels) to a grid: the
  input as planes of grid rows, their nine tap-shifted copies stacked, one matrix product.
* ``GridOutput``: the last convolution (few output channels), grid -> ``(N, C, H, W)``: one product to
  per-tap planes, then the sums of their shifted rows.
* ``GridPool``: 2x2 max-pooling, grid -> grid, on strided views (``pooling.tournament_max``).
* ``GridUpConv``: nearest x2 upsampling of the level below, concatenation with the skip
  connection, convolution, bias and leaky ReLU, in one block. The convolution of the concatenation
  is the sum of the convolutions of its two parts; the upsampled part is computed on the small
  image with the phase kernels of ``upsampling_phases`` (2.25x fewer products), so neither the
  upsampled image nor the concatenation is ever built.

``backward`` of every block takes the gradient w.r.t. its output (a grid with zeros outside the
images, or the ``(N, C, H, W)`` output) and returns the gradient w.r.t. its input(s) in the same layouts.
"""

from __future__ import annotations

from torch import cat

from . import checks
from .activations import leaky_relu, leaky_relu_backward, leaky_relu_backward_from_output_
from .conv_kernels import flipped_taps, shifted_input_grad, shifted_products, shifted_weight_grad, tap_offsets
from .grid import Conv3x3Rows, Grid
from .module import Module
from .precision import compute
from .pooling import route_to_winners, tournament_max, window_views
from .upsampling_phases import phase_regions, plan_for, stacked_phase_grad, stacked_taps, unstack_taps_grad

SCALE = (2, 2)


def _taps(weight):
    """``(O, C, 3, 3)`` -> tap layout ``(3, 3, C, O)``, in the products' precision (``precision.compute``)."""
    return compute(weight).permute(2, 3, 1, 0).contiguous()


def _check_conv(conv) -> None:
    if (conv.kernel_size, conv.padding, conv.stride, conv.dilation) != ((3, 3), (1, 1), (1, 1), (1, 1)):
        raise ValueError(f"grid blocks run 3x3 convolutions with padding 1, stride 1 and no dilation, got {conv}")


class _Activated(Module):
    """A convolution's bias and optional leaky ReLU on the grid it wrote, and their adjoints."""

    def __init__(self, conv, negative_slope: float | None) -> None:
        _check_conv(conv)
        super().__init__()
        self.conv = conv
        self.negative_slope = negative_slope
        self._slope = None  # negative_slope as a tensor, kept for the activation
        self._saved = None

    def children(self):
        return []  # the layout that built this block owns the convolution's parameters

    def _activate(self, grid: Grid):
        """Bias, activation and zeros outside the images on the convolution's output ``grid`` (its data is
        modified). Returns the output grid and the rows whose signs the activation's gradient needs."""
        if self.conv.bias is not None:
            grid.data.add_(compute(self.conv.bias))
        if self.negative_slope is None:
            return grid.zero_border(), None
        slope = self._slope
        if slope is None or slope.dtype != grid.data.dtype or slope.device != grid.data.device:
            slope = self._slope = grid.data.new_full((1,), self.negative_slope)
        out = Grid(leaky_relu(grid.data, self.negative_slope, slope), grid.batch, grid.height, grid.width).zero_border()
        # With a positive slope the output has the input's signs, and it is kept anyway (the next layer reads it).
        return out, (out.data if self.negative_slope > 0 else grid.data)

    def _deactivate(self, grad: Grid, signs) -> Grid:
        """The gradient w.r.t. the convolution's output (``grad``, the block's output gradient, is overwritten
        when it can be: the blocks' gradients are theirs alone); accumulates the bias gradient."""
        if self.negative_slope is not None and 0 < self.negative_slope < 1:
            leaky_relu_backward_from_output_(grad.data, signs, self.negative_slope)
        elif self.negative_slope is not None:
            grad = Grid(leaky_relu_backward(grad.data, signs, self.negative_slope), grad.batch, grad.height, grad.width)
        if self.conv.bias is not None:
            self.conv.bias_grad += grad.data.sum(0)
        return grad


class GridConv(_Activated):
    """``Conv2d`` (3x3, padding 1) + bias + leaky ReLU (``negative_slope``; None: none), grid -> grid."""

    def forward(self, grid: Grid) -> Grid:
        where = Conv3x3Rows.of(grid)
        out = grid.empty_like(self.conv.out_channels)
        taps = _taps(self.conv.weight)
        shifted_products(grid.data, taps, where.offsets, where.count, out.data[where.shift:])
        out, signs = self._activate(out)
        self._saved = (grid, signs, taps)
        return out

    def backward(self, grad: Grid) -> Grid:
        grid, signs, taps = checks.saved(self._saved, self)
        grad = self._deactivate(grad, signs)
        where = Conv3x3Rows.of(grid)
        grad_rows = grad.data[where.shift:]
        self.conv.weight_grad += shifted_weight_grad(grid.data, grad_rows, where.offsets, where.count, (3, 3)).permute(3, 2, 0, 1)
        # The input gradient as a convolution of the output gradient (zero outside the images) with the
        # flipped taps: every row written once, by the same batched products as the forward.
        grad_input = grid.empty_like()
        shifted_products(grad.data, flipped_taps(taps), where.offsets, where.count, grad_input.data[where.shift:])
        return grad_input.zero_border()


class GridInput(_Activated):
    """The first ``Conv2d`` (3x3, padding 1) + bias + leaky ReLU: ``(N, C, H, W)`` -> grid.

    Few input channels: the input is laid out as *planes*, one row of grid positions per channel
    (``Grid.plane_images``; zeros where the grid has its zeros), and the nine tap-shifted copies of those
    planes, stacked into ``(9*C, rows)`` by one ``cat``, meet the taps in one product written straight into
    the output grid. Every copy reads and writes whole rows; channels-last windows of three floats, the
    alternative, copy slowly."""

    def forward(self, x) -> Grid:
        n, channels, height, width = x.shape
        x = compute(x)
        out = Grid.empty(x, n, height, width, self.conv.out_channels)
        where = Conv3x3Rows.of(out)
        planes = x.new_zeros(channels, out.data.shape[0])
        out.plane_images(planes).copy_(x)
        stacked = cat([planes[:, offset:offset + where.count] for _, _, offset in where.offsets])
        taps = compute(self.conv.weight).permute(2, 3, 1, 0).reshape(-1, self.conv.out_channels)  # row (i, j, c)
        out.data[where.shift:where.shift + where.count].addmm_(stacked.t(), taps, beta=0)
        out, signs = self._activate(out)
        self._saved = (stacked, signs, taps, channels)
        return out

    def backward(self, grad: Grid, input_grad: bool = True):
        """The gradient w.r.t. the input ``(N, C, H, W)`` (None without ``input_grad``)."""
        stacked, signs, taps, channels = checks.saved(self._saved, self)
        grad = self._deactivate(grad, signs)
        where = Conv3x3Rows.of(grad)
        rows = grad.data[where.shift:where.shift + where.count]
        self.conv.weight_grad += stacked.mm(rows).view(3, 3, channels, -1).permute(3, 2, 0, 1)
        if not input_grad:
            return None
        per_tap = taps.mm(rows.t())  # (9*C, count): what each tap sends back to the rows it read
        planes = per_tap.new_zeros(channels, grad.data.shape[0])
        for index, (_, _, offset) in enumerate(where.offsets):
            planes[:, offset:offset + where.count].add_(per_tap[index * channels:(index + 1) * channels])
        return grad.plane_images(planes)


class GridOutput(Module):
    """The last ``Conv2d`` (3x3, padding 1, no activation): grid -> ``(N, C_out, H, W)``.

    Few output channels: one product gives every grid row's contribution through every tap as planes
    ``(9*C_out, rows)``; the output planes are the sums of their tap-shifted rows (whole-row additions,
    not three-float scatters), and the images a view of them. Backward stacks the output gradient's planes
    shifted the other way (one ``cat``): one product gives the weight gradient, one the input gradient."""

    def __init__(self, conv) -> None:
        _check_conv(conv)
        super().__init__()
        self.conv = conv
        self._saved = None

    def children(self):
        return []

    def forward(self, grid: Grid):
        where = Conv3x3Rows.of(grid)
        out_channels = self.conv.out_channels
        taps = compute(self.conv.weight).permute(2, 3, 0, 1).reshape(-1, grid.channels)  # row (i, j, o)
        per_tap = taps.mm(grid.data.t())  # (9*O, R)
        planes = per_tap.new_empty(out_channels, grid.data.shape[0])
        target = planes[:, where.shift:where.shift + where.count]
        for index, (_, _, offset) in enumerate(where.offsets):
            part = per_tap[index * out_channels:(index + 1) * out_channels, offset:offset + where.count]
            target.copy_(part) if index == 0 else target.add_(part)
        self._saved = (grid, taps)
        images = grid.plane_images(planes)  # every pixel lies in the written rows
        return images if self.conv.bias is None else images.add_(compute(self.conv.bias).view(1, -1, 1, 1))

    def backward(self, grad_output) -> Grid:
        grid, taps = checks.saved(self._saved, self)
        grad_output = compute(grad_output)
        if self.conv.bias is not None:
            self.conv.bias_grad += grad_output.sum(dim=(0, 2, 3))
        where = Conv3x3Rows.of(grid)
        rows, margin = grid.data.shape[0], grid.row_width + 1  # |shift - offset| <= W + 2
        planes = grad_output.new_zeros(grad_output.shape[1], rows + 2 * margin)
        grid.plane_images(planes[:, margin:margin + rows]).copy_(grad_output)
        # Input row q met output row q - offset + shift through each tap: the gradient's planes shifted by that.
        stacked = cat([planes[:, margin + where.shift - offset:margin + where.shift - offset + rows] for _, _, offset in where.offsets])
        self.conv.weight_grad += stacked.mm(grid.data).view(3, 3, -1, grid.channels).permute(2, 3, 0, 1)
        grad_input = grid.empty_like()
        grad_input.data.addmm_(stacked.t(), taps, beta=0)
        return grad_input.zero_border()


class GridPool(Module):
    """2x2 max-pooling, grid of ``(N, 2h, 2w, C)`` images -> grid of ``(N, h, w, C)`` (ties: ``MaxPool2d``'s rule)."""

    def __init__(self) -> None:
        super().__init__()
        self._saved = None

    def forward(self, grid: Grid) -> Grid:
        size = (grid.height // 2, grid.width // 2)
        values, rounds = tournament_max(window_views(grid.image(), SCALE, SCALE, size))
        out = Grid.empty(grid.data, grid.batch, *size, grid.channels)
        out.image().copy_(values)
        self._saved = (rounds, size)
        return out.zero_border()

    def backward(self, grad: Grid, grad_input: Grid) -> Grid:
        """Add the input's gradient to ``grad_input`` (the input grid's gradient from its other use); returns it."""
        rounds, size = checks.saved(self._saved, self)
        for view, part in zip(window_views(grad_input.image(), SCALE, SCALE, size), route_to_winners(grad.image(), rounds)):
            view += part
        return grad_input


class GridUpConv(_Activated):
    """``conv(cat([upsample_x2(low), skip]))`` + bias + leaky ReLU: grids of ``(N, h, w, C_low)`` and
    ``(N, 2h, 2w, C_skip)`` images -> grid of ``(N, 2h, 2w, C_out)``. ``conv``: a 3x3 ``Conv2d`` over
    ``C_low + C_skip`` channels, upsampled ones first.

    The phase kernels (``upsampling_phases``, 2x2 taps each, stacked along the output channels) run on
    the low grid's rows: phase output ``(t, u)`` of image ``n`` (a position of the small image padded by
    one pixel) is row ``n*(h+1)*(w+1) + t*(w+1) + u``, and its tap ``(a, b)`` reads ``a*(w+1) + b``
    rows further; the zero rows and columns of the grid are the padding."""

    def __init__(self, conv, negative_slope: float | None, low_channels: int) -> None:
        super().__init__(conv, negative_slope)
        self.low_channels = low_channels

    def _split_taps(self):
        """The taps of the upsampled and of the skip channels (views: every tap matrix keeps unit strides)."""
        taps = _taps(self.conv.weight)
        return taps[:, :, :self.low_channels], taps[:, :, self.low_channels:]

    @staticmethod
    def _phase_rows(low: Grid):
        """Plans, tap offsets and product count of the stacked phase kernels on the low grid."""
        plans = plan_for((low.height, low.width), SCALE, (3, 3), (1, 1))
        # Nearest x2 then a 3x3 convolution with padding 1 pads the small image by one pixel each side: the grid's zeros.
        assert all((plan.pad_before, plan.pad_after) == (1, 1) for plan in plans)
        return plans, tap_offsets(low.row_width, (2, 2)), low.batch * (low.height + 1) * low.row_width

    def _phased(self, low: Grid, rows):
        """Rows ``(N*(h+1)*(w+1), 4*C_out)`` of the phase products as ``(N, h+1, w+1, 4*C_out)`` positions."""
        return rows.view(low.batch, low.height + 1, low.row_width, rows.shape[1])

    def forward(self, low: Grid, skip: Grid) -> Grid:
        out_channels = self.conv.out_channels
        up_taps, skip_taps = self._split_taps()
        where = Conv3x3Rows.of(skip)
        out = skip.empty_like(out_channels)
        shifted_products(skip.data, skip_taps, where.offsets, where.count, out.data[where.shift:])
        plans, offsets, count = self._phase_rows(low)
        phased = low.data.new_empty(count, 4 * out_channels)
        phase_taps = stacked_taps(up_taps, plans)
        shifted_products(low.data, phase_taps, offsets, count, phased)
        phased, image = self._phased(low, phased), out.image()
        for out_rows, out_cols, low_rows, low_cols, channels in phase_regions(plans, SCALE, out_channels):
            image[:, out_rows, out_cols].add_(phased[:, low_rows, low_cols, channels])
        out, signs = self._activate(out)
        self._saved = (low, skip, signs, skip_taps, phase_taps)
        return out

    def backward(self, grad: Grid) -> tuple[Grid, Grid]:
        """Returns the gradients w.r.t. ``low`` and ``skip``."""
        low, skip, signs, skip_taps, phase_taps = checks.saved(self._saved, self)
        grad = self._deactivate(grad, signs)
        out_channels = self.conv.out_channels
        where = Conv3x3Rows.of(skip)
        grad_rows = grad.data[where.shift:]
        skip_taps_grad = shifted_weight_grad(skip.data, grad_rows, where.offsets, where.count, (3, 3))
        grad_skip = skip.empty_like()
        shifted_products(grad.data, flipped_taps(skip_taps), where.offsets, where.count, grad_skip.data[where.shift:])
        # Each phase's output gradient, placed where the phase products wrote it.
        plans, offsets, count = self._phase_rows(low)
        phased_rows = stacked_phase_grad(grad.image(), plans, SCALE, (low.height + 1, low.row_width)).view(count, 4 * out_channels)
        up_taps_grad = unstack_taps_grad(shifted_weight_grad(low.data, phased_rows, offsets, count, (2, 2)), plans, (3, 3))
        grad_low = low.empty_like()
        shifted_input_grad(phased_rows, phase_taps, offsets, count, grad_low.data)
        self.conv.weight_grad[:, :self.low_channels].add_(up_taps_grad.permute(3, 2, 0, 1))
        self.conv.weight_grad[:, self.low_channels:].add_(skip_taps_grad.permute(3, 2, 0, 1))
        return grad_low.zero_border(), grad_skip.zero_border()
