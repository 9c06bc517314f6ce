"""Convolutions with a narrow side: ``torch.nn.functional.fold`` (col2im) and im2col on channel planes.

A layer with few input channels (an RGB input layer) or few output channels (an RGB output
layer) scatters or gathers 3-float rows, which channels-last strided additions do slowly. ``fold``
and ``unfold`` do it in one compiled pass on ``(N, C, H, W)`` data, with the column layout
``(N, C*kh*kw, L)`` (channel-major, then kernel row and column: the order of a flattened
``(C_out, C_in, kh, kw)`` weight) that batched matrix products produce directly:

* the input gradient of a ``Conv2d`` with a narrow input: ``x_grad = fold(W^T @ g^T)`` (its forward
  and weight gradient go through a channels-last im2col, ``conv_kernels``);
* ``TransposeConv2d`` with a narrow output: ``out = fold(W^T @ x)``; its backward reads the output
  gradient through ``plane_columns`` (im2col on channel planes, parallel where ``unfold`` is not).

(The U-Net's narrow first and last layers work on planes of grid rows instead: ``unet_blocks``.)

``L`` is the number of windows, ``Ho * Wo`` of the convolution.
"""

from __future__ import annotations

from torch import cat
from torch.nn.functional import fold

Pair = tuple[int, int]


def _batched(matrix, batch: int):
    """A ``(R, K)`` matrix repeated (without a copy) for a batch of products: ``(batch, R, K)``."""
    return matrix.expand(batch, *matrix.shape)


def _channel_rows(x):
    """``(N, C, H, W)`` -> ``(N, C, H*W)``, a view (no copy) for both NCHW and channels-last memory."""
    n, channels = x.shape[:2]
    nhwc = x.permute(0, 2, 3, 1)
    if nhwc.is_contiguous():
        return nhwc.reshape(n, -1, channels).transpose(1, 2)
    return x.reshape(n, channels, -1)


def fold_input_grad(grad_rows, weight, input_size: Pair, stride: Pair, padding: Pair, dilation: Pair):
    """Input gradient of a convolution: ``grad_rows`` the output gradient ``(N, Ho*Wo, O)``, ``weight``
    ``(O, C, kh, kw)``. Returns ``(N, C, H, W)`` (``input_size = (H, W)``)."""
    grad_cols = _batched(weight.reshape(weight.shape[0], -1).t(), grad_rows.shape[0]).bmm(grad_rows.transpose(1, 2))
    return fold(grad_cols, input_size, weight.shape[2:], dilation=dilation, padding=padding, stride=stride)


def fold_transpose_forward(x, weight, bias, output_size: Pair, stride: Pair, padding: Pair, dilation: Pair):
    """Transposed convolution. ``x``: ``(N, C_in, H, W)``; ``weight``: ``(C_in, C_out, kh, kw)``.
    Returns ``(N, C_out, Ho, Wo)``, contiguous."""
    n, channels = x.shape[:2]
    rows = _channel_rows(x)
    cols = _batched(weight.reshape(channels, -1).t(), n).bmm(rows)
    out = fold(cols, output_size, weight.shape[2:], dilation=dilation, padding=padding, stride=stride)
    return out if bias is None else out.add_(bias.view(1, -1, 1, 1))


def plane_columns(x, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, out: Pair):
    """im2col on channel planes: ``x`` ``(N, C, H, W)`` -> ``(kh*kw*C, N*Ho*Wo)``, row ``(i, j, c)`` holding
    ``x[n, c, y*sh - ph + i*dh, x*sw - pw + j*dw]`` (0 in the padding) for every output ``(n, y, x)``.

    The input is laid out as zero-padded planes ``(C, N, H + 2ph, W + 2pw)`` (whole image rows copied), and
    one ``cat`` of the taps' strided views of them writes every row of the result: no three-float gathers
    from channels-last memory, and no ``unfold``, whose kernel runs on one thread."""
    n, channels, height, width = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = kernel, stride, padding, dilation, out
    planes = x.permute(1, 0, 2, 3)
    if ph or pw:
        padded = x.new_zeros(channels, n, height + 2 * ph, width + 2 * pw)
        padded[:, :, ph:ph + height, pw:pw + width] = planes
        planes = padded
    taps = [planes[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw] for i in range(kh) for j in range(kw)]
    return cat(taps).view(kh * kw * channels, n * ho * wo)


def narrow_transpose_backward(x, grad, weight, weight_grad, stride: Pair, padding: Pair, dilation: Pair, input_grad: bool = True):
    """``grad``: ``(N, C_out, Ho, Wo)``; accumulates ``weight_grad`` ``(C_in, C_out, kh, kw)`` and returns
    the input gradient ``(N, C_in, H, W)`` in channels-last memory (None without ``input_grad``).

    Input pixel ``q`` sent ``x[q] @ W[:, :, i, j]`` to output ``q*s - p + (i, j)*d``: the output gradient's
    plane columns (``plane_columns``, one row per tap and output channel, one column per input pixel)
    are what each input pixel's taps read back, so both gradients are one product each."""
    n, channels, height, width = x.shape
    kernel = tuple(weight.shape[2:])
    cols = plane_columns(grad, kernel, stride, padding, dilation, (height, width))  # rows (i, j, o)
    rows = x.permute(0, 2, 3, 1).reshape(-1, channels)  # (N*H*W, C_in): a view of channels-last memory
    weight_grad += cols.mm(rows).view(*kernel, -1, channels).permute(3, 2, 0, 1)
    if not input_grad:
        return None
    taps = weight.permute(2, 3, 1, 0).reshape(-1, channels)  # rows (i, j, o)
    # As channels-last rows (N, H*W, C_in), the layout the layers before expect.
    return cols.t().mm(taps).view(n, height, width, channels).permute(0, 3, 1, 2)
