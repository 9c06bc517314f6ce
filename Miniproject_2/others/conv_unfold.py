"""Convolutions with a narrow side, through ``torch.nn.functional.fold`` / ``unfold`` (col2im / im2col).

A layer with few input channels (an RGB input layer) or few output channels (an RGB output
layer) scatters or gathers 3-float rows, which channels-last strided additions do slowly. ``fold``
and ``unfold`` do it in one compiled pass on ``(N, C, H, W)`` data, with the column layout
``(N, C*kh*kw, L)`` (channel-major, then kernel row and column: the order of a flattened
``(C_out, C_in, kh, kw)`` weight) that batched matrix products produce directly:

* the input gradient of a ``Conv2d`` with a narrow input: ``x_grad = fold(W^T @ g^T)`` (its forward
  and weight gradient go through a channels-last im2col, ``conv_kernels``);
* ``TransposeConv2d`` with a narrow output: ``out = fold(W^T @ x)``; backward ``x_grad = W @ unfold(g)``,
  ``W_grad += x @ unfold(g)^T``.

(The U-Net's narrow first and last layers work on planes of grid rows instead: ``unet_blocks``.)

``L`` is the number of windows, ``Ho * Wo`` of the convolution.
"""

from __future__ import annotations

from torch.nn.functional import fold, unfold

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


def fold_transpose_backward(x, grad, weight, weight_grad, stride: Pair, padding: Pair, dilation: Pair, input_grad: bool = True):
    """``grad``: ``(N, C_out, Ho, Wo)``; accumulates ``weight_grad`` ``(C_in, C_out, kh, kw)`` and returns
    the input gradient ``(N, C_in, H, W)`` in channels-last memory (None without ``input_grad``)."""
    n, channels = x.shape[:2]
    grad_cols = unfold(grad, weight.shape[2:], dilation=dilation, padding=padding, stride=stride)
    weight_grad.view(channels, -1).add_(x.new_empty(channels, grad_cols.shape[1]).addbmm_(_channel_rows(x), grad_cols.transpose(1, 2), beta=0))
    if not input_grad:
        return None
    # As channels-last rows (N, H*W, C_in), the layout the layers before expect.
    rows = grad_cols.transpose(1, 2).bmm(_batched(weight.reshape(channels, -1).t(), n))
    return rows.view(n, x.shape[2], x.shape[3], channels).permute(0, 3, 1, 2)
