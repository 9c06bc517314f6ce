"""Convolutions with a narrow side (at most a quarter as many channels on one side), on channel *planes*.

A layer with few input channels (an RGB input layer) or few output channels (an RGB output layer) would
gather or scatter rows of three floats in channels-last memory, which copies and strided additions do
slowly. Here the narrow side is laid out as planes ``(C, N, H, W)``, one image plane per channel, and
every copy or addition moves whole image rows:

* ``plane_columns``: im2col on planes, ``(N, C, H, W)`` -> ``(kh*kw*C, N*Ho*Wo)``, row ``(i, j, c)`` for
  tap ``(i, j)`` and channel ``c``: one ``cat`` of the taps' strided views of the zero-padded planes.
* ``scatter_planes``: its adjoint, per-tap contributions ``(kh*kw*C, N*H*W)`` added onto the planes of
  the positions they reach.

Both are parallel in ATen, where ``fold`` and ``unfold`` (col2im, im2col) run on one thread. With them:
the forward and weight gradient of a narrow-input ``Conv2d`` are one product with its plane columns and
its input gradient one product then a scatter; a narrow-output ``TransposeConv2d`` is one product then a
scatter forward, and its output gradient's plane columns give both gradients by one product each.
"""

from __future__ import annotations

from torch import cat

Pair = tuple[int, int]


def plane_columns(x, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, out: Pair):
    """``x`` ``(N, C, H, W)`` -> ``(kh*kw*C, N*Ho*Wo)``: row ``(i, j, c)`` holds ``x[n, c, y*sh - ph + i*dh,
    x*sw - pw + j*dw]`` (0 in the padding) for every output position ``(n, y, x)``, ``out = (Ho, Wo)``."""
    n, channels, height, width = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = kernel, stride, padding, dilation, out
    planes = x.permute(1, 0, 2, 3)
    if ph or pw:
        padded = x.new_zeros(channels, n, height + 2 * ph, width + 2 * pw)
        padded[:, :, ph:ph + height, pw:pw + width] = planes
        planes = padded
    taps = [planes[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw] for i in range(kh) for j in range(kw)]
    return cat(taps).view(kh * kw * channels, n * ho * wo)


def scatter_planes(per_tap, positions: Pair, size: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair):
    """Adjoint of ``plane_columns``: ``per_tap`` ``(kh*kw*C, N*H*W)`` (row ``(i, j, c)``, one column per
    position ``(n, y, x)`` of ``positions = (H, W)``) added at ``(y*sh - ph + i*dh, x*sw - pw + j*dw)`` of
    images of ``size = (Ho, Wo)``. Returns ``(N, C, Ho, Wo)``, a view of fresh planes."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h, w), (ho, wo) = kernel, stride, padding, dilation, positions, size
    channels = per_tap.shape[0] // (kh * kw)
    n = per_tap.shape[1] // (h * w)
    per_tap = per_tap.view(kh, kw, channels, n, h, w)
    # Padded by the padding on both sides, the planes hold every position a tap reaches (index y*sh + i*dh).
    planes = per_tap.new_zeros(channels, n, ho + 2 * ph, wo + 2 * pw)
    for i in range(kh):
        for j in range(kw):
            planes[:, :, i * dh:i * dh + sh * (h - 1) + 1:sh, j * dw:j * dw + sw * (w - 1) + 1:sw].add_(per_tap[i, j])
    return planes[:, :, ph:ph + ho, pw:pw + wo].permute(1, 0, 2, 3)


def _rows(x):
    """``(N, C, H, W)`` -> channels-last rows ``(N*H*W, C)`` (a view of channels-last memory, else a copy)."""
    return x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])


def narrow_input_grad(grad, weight, input_size: Pair, stride: Pair, padding: Pair, dilation: Pair):
    """Input gradient of a convolution: ``grad`` ``(N, O, Ho, Wo)``, ``weight`` ``(O, C, kh, kw)``. Returns
    ``(N, C, H, W)`` (``input_size = (H, W)``): each output's products with every tap, scattered back."""
    out_channels = weight.shape[0]
    taps = weight.permute(2, 3, 1, 0).reshape(-1, out_channels)  # rows (i, j, c)
    return scatter_planes(taps.mm(_rows(grad).t()), grad.shape[2:], input_size, weight.shape[2:], stride, padding, dilation)


def narrow_transpose_forward(x, weight, bias, output_size: Pair, stride: Pair, padding: Pair, dilation: Pair):
    """Transposed convolution. ``x``: ``(N, C_in, H, W)``; ``weight``: ``(C_in, C_out, kh, kw)``.
    Returns ``(N, C_out, Ho, Wo)``: each input pixel's products with every tap, scattered."""
    channels = x.shape[1]
    taps = weight.permute(2, 3, 1, 0).reshape(-1, channels)  # rows (i, j, o)
    out = scatter_planes(taps.mm(_rows(x).t()), x.shape[2:], output_size, weight.shape[2:], stride, padding, dilation)
    return out if bias is None else out.add_(bias.view(1, -1, 1, 1))


def narrow_transpose_backward(x, grad, weight, weight_grad, stride: Pair, padding: Pair, dilation: Pair, input_grad: bool = True):
    """``grad``: ``(N, C_out, Ho, Wo)``; accumulates ``weight_grad`` ``(C_in, C_out, kh, kw)`` and returns
    the input gradient ``(N, C_in, H, W)`` in channels-last memory (None without ``input_grad``).

    Input pixel ``q`` sent ``x[q] @ W[:, :, i, j]`` to output ``q*s - p + (i, j)*d``: the output gradient's
    plane columns (one row per tap and output channel, one column per input pixel) are what each input
    pixel's taps read back, so both gradients are one product each."""
    n, channels, height, width = x.shape
    kernel = tuple(weight.shape[2:])
    cols = plane_columns(grad, kernel, stride, padding, dilation, (height, width))  # rows (i, j, o)
    weight_grad += cols.mm(_rows(x)).view(*kernel, -1, channels).permute(3, 2, 0, 1)
    if not input_grad:
        return None
    taps = weight.permute(2, 3, 1, 0).reshape(-1, channels)  # rows (i, j, o)
    return cols.t().mm(taps).view(n, height, width, channels).permute(0, 3, 1, 2)
