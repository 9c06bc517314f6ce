"""The arithmetic of 2-D convolution on channels-last tensors, as matrix products.

Every function here works on NHWC tensors: ``(N, H, W, C)`` with C contiguous, so that a
batch of pixels is a matrix ``(N*H*W, C)`` whose rows a GEMM can read in place. Weights are
in "tap" layout ``(kh, kw, C_in, C_out)``: tap ``(i, j)`` is a ``(C_in, C_out)`` matrix.
Inputs are already padded (``(N, Hp, Wp, C)``); the modules pad and crop.

Three ways to compute, chosen by stride and by the channel counts:

* stride 1, *shifted GEMMs*: on the flattened padded input ``X`` of shape ``(N*Hp*Wp, C)``,
  the input pixel seen by tap ``(i, j)`` of output row ``r`` is row ``r + i*dh*Wp + j*dw``.
  So the whole convolution is ``sum_ij X[off_ij : off_ij + R] @ W_ij``: kh*kw matrix products
  on contiguous slices of X, computed on the full ``Hp x Wp`` grid (rows whose window wraps
  past the right or bottom edge are computed and thrown away, a few percent of the work).
  No im2col matrix is ever materialised, which is what makes it fast: on this CPU, writing
  a fresh kh*kw-times-larger buffer costs more than the products themselves.
* stride 1 with one side at most a quarter as wide as the other (``is_narrow``): kh*kw thin
  products run far below peak, so the tap-expanded buffer is built on the *narrow* side (im2col
  of a narrow input, or ``X @ W`` to ``(R, kh*kw*O)`` then shifted sums for a narrow output):
  one wide GEMM, and a buffer only kh*kw times the narrow side.
* stride > 1, *im2col*: an ``as_strided`` view of the windows ``(N, Ho, Wo, kh, kw, C)`` is
  copied once into a ``(N*Ho*Wo, kh*kw*C)`` matrix (small, since strided outputs are few)
  and multiplied by the weight matrix in one GEMM.

The backward passes are the same products transposed: the weight gradient multiplies the
input slices by the output gradient; the input gradient scatters ``grad @ W_ij^T`` back
into the shifted slices.
"""

from __future__ import annotations

from functools import lru_cache

Pair = tuple[int, int]


def output_size(padded: Pair, kernel: Pair, stride: Pair, dilation: Pair) -> Pair:
    """Output ``(Ho, Wo)`` of a convolution over an already padded ``(Hp, Wp)`` input."""
    return tuple((p - d * (k - 1) - 1) // s + 1 for p, k, s, d in zip(padded, kernel, stride, dilation))


def pad_nhwc(x, before: Pair, after: Pair | None = None):
    """Zero-pad an ``(N, H, W, C)`` tensor: ``before = (top, left)``, ``after = (bottom, right)``
    (default: the same as ``before``). Returns a new contiguous tensor (or ``x`` made contiguous
    when there is nothing to pad)."""
    (top, left), (bottom, right) = before, after if after is not None else before
    n, h, w, c = x.shape
    if top == left == bottom == right == 0:
        return x.contiguous()
    padded = x.new_zeros(n, top + h + bottom, left + w + right, c)
    padded[:, top:top + h, left:left + w] = x
    return padded


@lru_cache(maxsize=256)
def tap_offsets(padded_width: int, kernel: Pair, dilation: Pair = (1, 1)) -> tuple[tuple[int, int, int], ...]:
    """``(i, j, row offset)`` of every kernel tap in the flattened padded grid."""
    (kh, kw), (dh, dw) = kernel, dilation
    return tuple((i, j, i * dh * padded_width + j * dw) for i in range(kh) for j in range(kw))


def _tap_matrices(taps):
    """``(kh, kw, C, O)`` -> the ``kh*kw`` matrices ``(C, O)`` in ``tap_offsets`` order (views, one operation)."""
    return taps.reshape(-1, taps.shape[2], taps.shape[3]).unbind(0)


def _kernel_rows(source, offsets, kernel: Pair, count: int, transposed: bool = False):
    """Per kernel row ``i``, the ``kw`` shifted slices ``source[off_ij : off_ij + count]`` as one batch view
    ``(kw, count, C)`` (``(kw, C, count)`` when ``transposed``), or None when ``source`` is not contiguous rows.

    The taps of a kernel row are ``dw`` rows apart, so their slices are one strided view: a batched product
    over it makes one call per kernel row instead of one per tap (ATen loops over the batch in C++)."""
    channels = source.shape[1]
    if source.stride() != (channels, 1):
        return None
    kh, kw = kernel
    step = offsets[1][2] - offsets[0][2] if kw > 1 else 1
    if transposed:
        size, strides = (kw, channels, count), (step * channels, 1, channels)
    else:
        size, strides = (kw, count, channels), (step * channels, channels, 1)
    base = source.storage_offset()
    return [source.as_strided(size, strides, base + offsets[i * kw][2] * channels) for i in range(kh)]


def shifted_products(source, taps, offsets, count: int, out) -> None:
    """``out[:count] = sum_ij source[off_ij : off_ij + count] @ taps[i, j]``, written (not added).

    ``source``: rows ``(R, C)``; ``taps``: ``(kh, kw, C, O)``; ``offsets``: ``tap_offsets(...)``;
    ``out``: rows ``(>= count, O)``, any strides a matrix product can write. One batched product per
    kernel row (``_kernel_rows``), the same products in the same order as one per tap."""
    target = out[:count]
    rows = _kernel_rows(source, offsets, taps.shape[:2], count)
    if rows is None:
        for index, ((_, _, offset), tap) in enumerate(zip(offsets, _tap_matrices(taps))):
            target.addmm_(source[offset:offset + count], tap, beta=0 if index == 0 else 1)
        return
    for i, windows in enumerate(rows):
        target.addbmm_(windows, taps[i], beta=0 if i == 0 else 1)


# Below this many rows per product the weight gradient runs as one batched product per kernel row (less
# dispatch); above it, one product per tap, which MKL runs up to 8% faster for these shapes (2 threads, AVX2).
BATCHED_WEIGHT_GRAD_ROWS = 4096


def shifted_weight_grad(source, grad, offsets, count: int, kernel: Pair):
    """The taps' gradient ``(kh, kw, C, O)``: tap ``(i, j)`` gets ``source[off_ij : off_ij + count]^T @ grad[:count]``."""
    taps = grad.new_empty(kernel[0], kernel[1], source.shape[1], grad.shape[1])
    grad = grad[:count]
    rows = _kernel_rows(source, offsets, kernel, count, transposed=True) if count <= BATCHED_WEIGHT_GRAD_ROWS else None
    if rows is None:
        for (_, _, offset), tap in zip(offsets, _tap_matrices(taps)):
            tap.addmm_(source[offset:offset + count].t(), grad, beta=0)
        return taps
    repeated = grad.expand(kernel[1], *grad.shape)
    for i, windows in enumerate(rows):
        taps[i].baddbmm_(windows, repeated, beta=0)
    return taps


def flipped_taps(taps):
    """The taps of the input gradient of a stride-1 convolution as a convolution of the output gradient:
    ``(kh, kw, C, O)`` -> ``(kh, kw, O, C)``, tap ``(i, j)`` = ``taps[kh-1-i, kw-1-j]^T``. One copy (``flip``);
    each tap matrix is column-major, which the products read as fast as row-major."""
    return taps.transpose(2, 3).flip(0, 1)


def shifted_input_grad(grad, taps, offsets, count: int, out) -> None:
    """Adjoint of ``shifted_products``: ``out[off_ij : off_ij + count] += grad[:count] @ taps[i, j]^T``
    over every tap, into ``out`` rows ``(R, C)``, which are overwritten (rows that no tap reaches become 0).

    The first tap writes its slice without reading it; only the rows outside that slice are zeroed first."""
    first = offsets[0][2]
    out[:first].zero_()
    out[first + count:].zero_()
    grad = grad[:count]
    transposed = _tap_matrices(taps.transpose(2, 3).contiguous())  # (O, C) each: row-major right operands
    for index, ((_, _, offset), tap) in enumerate(zip(offsets, transposed)):
        out[offset:offset + count].addmm_(grad, tap, beta=0 if index == 0 else 1)


def _tap_windows(kernel: Pair, dilation: Pair, out: Pair):
    """``(tap index, row slice, column slice)``: where each tap reads in the padded grid."""
    (kh, kw), (dh, dw), (ho, wo) = kernel, dilation, out
    return [(i * kw + j, slice(i * dh, i * dh + ho), slice(j * dw, j * dw + wo)) for i in range(kh) for j in range(kw)]


def is_narrow(channels: int, other: int) -> bool:
    """Whether ``channels`` is so much narrower than ``other`` that a kh*kw-wide buffer on
    its side is cheaper than kh*kw thin matrix products (which run far below peak)."""
    return 4 * channels <= other


def _windows(xp, kernel: Pair, stride: Pair, dilation: Pair, out: Pair):
    """Strided view ``(N, Ho, Wo, kh, kw, C)`` of the windows of a contiguous padded input."""
    sn, sh_, sw_, sc = xp.stride()
    return xp.as_strided(
        (xp.shape[0], out[0], out[1], kernel[0], kernel[1], xp.shape[3]),
        (sn, sh_ * stride[0], sw_ * stride[1], sh_ * dilation[0], sw_ * dilation[1], sc),
    )


def im2col(xp, kernel: Pair, stride: Pair, dilation: Pair, out: Pair):
    """The windows copied into a ``(N*Ho*Wo, kh*kw*C)`` matrix."""
    n, c = xp.shape[0], xp.shape[3]
    return _windows(xp, kernel, stride, dilation, out).reshape(n * out[0] * out[1], kernel[0] * kernel[1] * c)


def columns(xp, kernel: Pair, stride: Pair, dilation: Pair, out_channels: int):
    """The im2col matrix ``(N*Ho*Wo, kh*kw*C)`` of a padded input when its convolution with
    ``out_channels`` outputs goes through one (stride > 1, or a narrow input), else None. Pass it
    to ``conv_forward`` and ``conv_weight_grad`` so that they share one copy."""
    if stride == (1, 1) and not is_narrow(xp.shape[3], out_channels):
        return None
    return im2col(xp, kernel, stride, dilation, output_size(xp.shape[1:3], kernel, stride, dilation))


def biased_product(a, b, bias=None):
    """``a @ b (+ bias)``: ``(M, K) @ (K, O)`` plus an optional ``(O,)`` row."""
    return a.mm(b) if bias is None else bias.addmm(a, b)


def conv_forward(xp, taps, stride: Pair, dilation: Pair, bias=None, cols=None):
    """Convolution of a padded input.

    ``xp``: contiguous ``(N, Hp, Wp, C)``; ``taps``: ``(kh, kw, C, O)``; ``bias``: ``(O,)`` or None;
    ``cols``: ``columns(xp, ...)`` if already computed. Returns a contiguous ``(N, Ho, Wo, O)`` tensor.
    """
    n, hp, wp, c = xp.shape
    kh, kw, _, o = taps.shape
    ho, wo = output_size((hp, wp), (kh, kw), stride, dilation)
    if stride != (1, 1) or is_narrow(c, o):
        cols = cols if cols is not None else im2col(xp, (kh, kw), stride, dilation, (ho, wo))
        return biased_product(cols, taps.reshape(kh * kw * c, o), bias).view(n, ho, wo, o)
    if is_narrow(o, c):
        # One wide product gives every tap's contribution at every pixel; shift and add them.
        per_tap = xp.view(n * hp * wp, c).mm(taps.permute(2, 0, 1, 3).reshape(c, kh * kw * o)).view(n, hp, wp, kh * kw, o)
        windows = _tap_windows((kh, kw), dilation, (ho, wo))
        out = per_tap[:, windows[0][1], windows[0][2], 0].clone()
        for tap, rows, cols in windows[1:]:
            out += per_tap[:, rows, cols, tap]
        return out if bias is None else out.add_(bias)
    offsets = tap_offsets(wp, (kh, kw), dilation)
    acc = xp.new_empty(n * hp * wp, o)
    shifted_products(xp.view(n * hp * wp, c), taps, offsets, n * hp * wp - offsets[-1][2], acc)
    # Row r of acc is grid position r of the padded grid; keep the valid outputs only.
    out = acc.as_strided((n, ho, wo, o), (hp * wp * o, wp * o, o, 1)).contiguous()
    return out if bias is None else out.add_(bias)


def conv_weight_grad(xp, grad, kernel: Pair, stride: Pair, dilation: Pair, cols=None):
    """Gradient of the loss w.r.t. the taps.

    ``xp``: contiguous padded input ``(N, Hp, Wp, C)``; ``grad``: ``(N, Ho, Wo, O)``; ``cols``:
    ``columns(xp, ...)`` if already computed. Returns ``(kh, kw, C, O)``.
    """
    n, hp, wp, c = xp.shape
    _, ho, wo, o = grad.shape
    kh, kw = kernel
    if stride != (1, 1) or is_narrow(c, o):
        cols = cols if cols is not None else im2col(xp, kernel, stride, dilation, (ho, wo))
        return cols.t().mm(grad.reshape(n * ho * wo, o)).view(kh, kw, c, o)
    rows = n * hp * wp
    if is_narrow(o, c):
        # Place the output gradient where each tap reads, then one product with the input.
        shifted = grad.new_zeros(n, hp, wp, kh * kw, o)
        for tap, rows_, cols_ in _tap_windows(kernel, dilation, (ho, wo)):
            shifted[:, rows_, cols_, tap] = grad
        per_tap = xp.view(rows, c).t().mm(shifted.view(rows, kh * kw * o))
        return per_tap.view(c, kh, kw, o).permute(1, 2, 0, 3)
    offsets = tap_offsets(wp, kernel, dilation)
    return shifted_weight_grad(xp.view(rows, c), _on_grid(grad, hp, wp), offsets, rows - offsets[-1][2], kernel)


def conv_input_grad(grad, taps, padded: Pair, stride: Pair, dilation: Pair):
    """Gradient of the loss w.r.t. the padded input (this is also a transposed convolution).

    ``grad``: ``(N, Ho, Wo, O)``; ``taps``: ``(kh, kw, C, O)``; ``padded``: ``(Hp, Wp)``.
    Returns a contiguous ``(N, Hp, Wp, C)`` tensor; the caller crops the padding away.
    """
    n, ho, wo, o = grad.shape
    kh, kw, c, _ = taps.shape
    hp, wp = padded
    if stride != (1, 1) or is_narrow(c, o):
        # col2im: every tap's contribution in one product, then scattered back.
        per_tap = grad.reshape(n * ho * wo, o).mm(taps.reshape(kh * kw * c, o).t()).view(n, ho, wo, kh, kw, c)
        result = grad.new_zeros(n, hp, wp, c)
        (sh, sw), (dh, dw) = stride, dilation
        for i in range(kh):
            for j in range(kw):
                rows_ = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
                cols_ = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
                result[:, rows_, cols_].add_(per_tap[:, :, :, i, j])
        return result
    rows = n * hp * wp
    offsets = tap_offsets(wp, (kh, kw), dilation)
    result = grad.new_empty(rows, c)
    shifted_input_grad(_on_grid(grad, hp, wp), taps, offsets, rows - offsets[-1][2], result)
    return result.view(n, hp, wp, c)


def _on_grid(grad, hp: int, wp: int):
    """The output gradient ``(N, Ho, Wo, O)`` as rows of the padded ``(Hp, Wp)`` grid the shifted products
    run on: ``(N*Hp*Wp, O)``, zero where no valid output sits."""
    n, ho, wo, o = grad.shape
    full = grad.new_zeros(n, hp, wp, o)
    full[:, :ho, :wo] = grad
    return full.view(n * hp * wp, o)
