"""Nearest-neighbour upsampling followed by a stride-1 convolution, computed on the small image.

Upsampling by ``s`` then convolving with a ``k``-tap kernel makes every output pixel of
*phase* ``r`` (its position modulo ``s``) read the low-resolution pixel ``q + (r + i - p) // s``
at tap ``i``. Several taps land on the same low-resolution pixel, so for each phase the
convolution equals a smaller convolution of the *low-resolution* image whose taps are sums of
the original taps. For ``s = 2, k = 3`` that is four 2x2 convolutions on a quarter-size image
instead of one 3x3 convolution on the upsampled one: 2.25x fewer multiplications, and the
upsampled image is never built. Backward runs the same plan through the adjoint kernels.

Everything here is per axis (``AxisPlan``); the 2-D plan is the product of the two axes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .conv_kernels import conv_forward, conv_input_grad, conv_weight_grad


@dataclass(frozen=True)
class Phase:
    remainder: int  # output positions remainder, remainder + s, remainder + 2s, ...
    count: int  # how many output positions have this remainder
    start: int  # first of them in the phase convolution's output (the low-res padding shifts it)
    groups: tuple[int, ...]  # original tap i -> tap of the combined kernel
    span: int  # taps in the combined kernel


@dataclass(frozen=True)
class AxisPlan:
    output: int  # output length: size*scale + 2*padding - kernel + 1
    pad_before: int  # low-res zero padding
    pad_after: int
    phases: tuple[Phase, ...]

    @classmethod
    def build(cls, size: int, scale: int, kernel: int, padding: int) -> "AxisPlan":
        output = size * scale + 2 * padding - kernel + 1
        offset = lambda r, i: (r + i - padding) // scale  # noqa: E731 - low-res pixel offset of tap i in phase r
        pad_before = max(0, -offset(0, 0))
        phases, needed = [], size + pad_before
        for r in range(scale):
            count = len(range(r, output, scale))
            if count == 0:
                continue
            first = offset(r, 0)
            groups = tuple(offset(r, i) - first for i in range(kernel))
            phase = Phase(r, count, first + pad_before, groups, groups[-1] + 1)
            phases.append(phase)
            needed = max(needed, phase.start + count + phase.span - 1)
        return cls(output, pad_before, needed - size - pad_before, tuple(phases))


def plan_for(size, scale, kernel, padding) -> tuple[AxisPlan, AxisPlan]:
    """Plans for the H and W axes of an input of ``size = (H, W)``."""
    return tuple(AxisPlan.build(*args) for args in zip(size, scale, kernel, padding))


def combined_taps(taps, rows: Phase, cols: Phase):
    """Sum the original taps ``(kh, kw, C, O)`` into the phase kernel ``(rows.span, cols.span, C, O)``."""
    combined = taps.new_zeros(rows.span, cols.span, taps.shape[2], taps.shape[3])
    for i, a in enumerate(rows.groups):
        for j, b in enumerate(cols.groups):
            combined[a, b] += taps[i, j]
    return combined


def _phase_pairs(plans):
    rows_plan, cols_plan = plans
    return [(rows, cols) for rows in rows_plan.phases for cols in cols_plan.phases]


def upsample_conv_forward(xlp, taps, plans, scale, bias=None):
    """``xlp``: the low-res input padded by the plans, contiguous ``(N, Hlp, Wlp, C)``;
    ``taps``: ``(kh, kw, C, O)``. Returns ``(N, Ho, Wo, O)``."""
    rows_plan, cols_plan = plans
    out = xlp.new_empty(xlp.shape[0], rows_plan.output, cols_plan.output, taps.shape[3])
    for rows, cols in _phase_pairs(plans):
        full = conv_forward(xlp, combined_taps(taps, rows, cols), (1, 1), (1, 1))
        out[:, rows.remainder::scale[0], cols.remainder::scale[1]] = (
            full[:, rows.start:rows.start + rows.count, cols.start:cols.start + cols.count])
    return out if bias is None else out.add_(bias)


def upsample_conv_backward(xlp, taps, grad, plans, scale):
    """Gradients w.r.t. the taps ``(kh, kw, C, O)`` and the padded low-res input ``(N, Hlp, Wlp, C)``,
    given the output gradient ``grad`` ``(N, Ho, Wo, O)``."""
    n, hlp, wlp, _ = xlp.shape
    grad_taps = taps.new_zeros(taps.shape)
    grad_input = xlp.new_zeros(xlp.shape)
    for rows, cols in _phase_pairs(plans):
        phase_taps = combined_taps(taps, rows, cols)
        # The phase's output gradient, placed where the phase convolution produced it.
        phase_grad = grad.new_zeros(n, hlp - rows.span + 1, wlp - cols.span + 1, grad.shape[3])
        phase_grad[:, rows.start:rows.start + rows.count, cols.start:cols.start + cols.count] = (
            grad[:, rows.remainder::scale[0], cols.remainder::scale[1]])
        phase_taps_grad = conv_weight_grad(xlp, phase_grad, (rows.span, cols.span), (1, 1), (1, 1))
        for i, a in enumerate(rows.groups):
            for j, b in enumerate(cols.groups):
                grad_taps[i, j] += phase_taps_grad[a, b]
        grad_input += conv_input_grad(phase_grad, phase_taps, (hlp, wlp), (1, 1), (1, 1))
    return grad_taps, grad_input
