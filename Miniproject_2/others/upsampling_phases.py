"""Nearest-neighbour upsampling followed by a stride-1 convolution, computed on the small image.

Upsampling by ``s`` then convolving with a ``k``-tap kernel makes every output pixel of
*phase* ``r`` (its position modulo ``s``) read the low-resolution pixel ``q + (r + i - p) // s``
at tap ``i``. Several taps land on the same low-resolution pixel, so for each phase the
convolution equals a smaller convolution of the *low-resolution* image whose taps are sums of
the original taps. For ``s = 2, k = 3`` that is four 2x2 convolutions on a quarter-size image
instead of one 3x3 convolution on the upsampled one: 2.25x fewer multiplications, and the
upsampled image is never built. Backward runs the same plan through the adjoint kernels.

All phases read the same low-resolution pixels, so their kernels are stacked side by side along
the output channels (``stacked_taps``): one convolution with ``P * C_out`` outputs (P phases)
computes every phase at once, with wider and so faster matrix products than P separate ones.

Everything here is per axis (``AxisPlan``); the 2-D plan is the product of the two axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

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
        phases = []
        for r in range(scale):
            count = len(range(r, output, scale))
            if count == 0:
                continue
            first = offset(r, 0)
            groups = tuple(offset(r, i) - first for i in range(kernel))
            phases.append(Phase(r, count, first + pad_before, groups, groups[-1] + 1))
        # The stacked kernel spans the widest phase; pad so that every phase's outputs exist under it.
        span = max((phase.span for phase in phases), default=1)  # no phase: an empty output, refused by the caller
        needed = max([size + pad_before] + [phase.start + phase.count + span - 1 for phase in phases])
        return cls(output, pad_before, needed - size - pad_before, tuple(phases))

    @property
    def span(self) -> int:
        """Taps of the stacked kernel along this axis."""
        return max((phase.span for phase in self.phases), default=1)


@lru_cache(maxsize=256)
def plan_for(size, scale, kernel, padding) -> tuple[AxisPlan, AxisPlan]:
    """Plans for the H and W axes of an input of ``size = (H, W)`` (pairs of ints; cached: a training
    step asks for the same few plans again and again)."""
    return tuple(AxisPlan.build(*args) for args in zip(tuple(size), scale, kernel, padding))


def _phase_pairs(plans):
    rows_plan, cols_plan = plans
    return [(rows, cols) for rows in rows_plan.phases for cols in cols_plan.phases]


@lru_cache(maxsize=256)
def _tap_sum_rows(plans) -> tuple[tuple[float, ...], ...]:
    """The rows of ``_tap_sums`` as numbers."""
    pairs = _phase_pairs(plans)
    kh, kw = len(pairs[0][0].groups), len(pairs[0][1].groups)
    span_h, span_w = plans[0].span, plans[1].span
    sums = [[0.0] * (kh * kw) for _ in range(len(pairs) * span_h * span_w)]
    for p, (rows, cols) in enumerate(pairs):
        for i, a in enumerate(rows.groups):
            for j, b in enumerate(cols.groups):
                sums[(p * span_h + a) * span_w + b][i * kw + j] = 1.0
    return tuple(map(tuple, sums))


_TAP_SUMS: dict = {}


def _tap_sums(plans, like):
    """The linear map from original taps to stacked taps as a 0/1 matrix ``(P * span_h * span_w, kh * kw)``
    on ``like``'s device and dtype: row ``(p, a, b)`` marks the taps that phase pair ``p`` sums into its tap
    ``(a, b)``. Kept per plan, dtype and device (read only: callers multiply by it)."""
    key = (plans, like.dtype, like.device)
    sums = _TAP_SUMS.get(key)
    if sums is None:
        if len(_TAP_SUMS) >= 256:
            _TAP_SUMS.clear()
        sums = _TAP_SUMS[key] = like.new_tensor(_tap_sum_rows(plans))
    return sums


def stacked_taps(taps, plans):
    """Every phase kernel side by side: ``(span_h, span_w, C, P * O)``, phase pair ``p`` in output
    channels ``p*O : (p+1)*O`` (zero taps where a phase spans less than the widest). One matrix
    product with ``_tap_sums``."""
    kh, kw, channels, out_channels = taps.shape
    span_h, span_w = plans[0].span, plans[1].span
    stacked = _tap_sums(plans, taps).mm(taps.reshape(kh * kw, channels * out_channels))
    return stacked.view(-1, span_h, span_w, channels, out_channels).permute(1, 2, 3, 0, 4).reshape(span_h, span_w, channels, -1)


def unstack_taps_grad(stacked_grad, plans, kernel):
    """Adjoint of ``stacked_taps``: the gradient of the original taps ``(kh, kw, C, O)``."""
    span_h, span_w, channels, stacked_channels = stacked_grad.shape
    phases = len(_phase_pairs(plans))
    out_channels = stacked_channels // phases
    per_phase = stacked_grad.view(span_h, span_w, channels, phases, out_channels).permute(3, 0, 1, 2, 4)
    grad = _tap_sums(plans, stacked_grad).t().mm(per_phase.reshape(phases * span_h * span_w, channels * out_channels))
    return grad.view(kernel[0], kernel[1], channels, out_channels)


@lru_cache(maxsize=256)
def phase_regions(plans, scale, out_channels):
    """Per phase pair: ``(output rows, output cols, stacked rows, stacked cols, stacked channels)`` slices;
    the phase's outputs sit at the first three in the output and at the last three in the stacked result.
    Cached per plan (a training step asks for the same few)."""
    regions = []
    for p, (rows, cols) in enumerate(_phase_pairs(plans)):
        regions.append((slice(rows.remainder, None, scale[0]), slice(cols.remainder, None, scale[1]),
                        slice(rows.start, rows.start + rows.count), slice(cols.start, cols.start + cols.count),
                        slice(p * out_channels, (p + 1) * out_channels)))
    return tuple(regions)  # cached: shared by every call


def stacked_phase_grad(grad, plans, scale, positions):
    """The output gradient ``(N, Ho, Wo, O)`` of every phase, placed where the stacked phase products wrote
    it: ``(N, *positions, P * O)``, zero elsewhere. (Zeroing only the gaps the phases leave, eight strided
    views for 2x2 phases, measured no faster than zeroing it all: fewer bytes, more calls.)"""
    out_channels = grad.shape[3]
    stacked = grad.new_zeros(grad.shape[0], *positions, len(_phase_pairs(plans)) * out_channels)
    for out_rows, out_cols, rows, cols, channels in phase_regions(plans, scale, out_channels):
        stacked[:, rows, cols, channels].copy_(grad[:, out_rows, out_cols])
    return stacked


def upsample_conv_forward(xlp, taps, plans, scale, bias=None):
    """``xlp``: the low-res input padded by the plans, contiguous ``(N, Hlp, Wlp, C)``;
    ``taps``: ``(kh, kw, C, O)``. Returns ``(N, Ho, Wo, O)``."""
    rows_plan, cols_plan = plans
    out_channels = taps.shape[3]
    out = xlp.new_empty(xlp.shape[0], rows_plan.output, cols_plan.output, out_channels)
    stacked = conv_forward(xlp, stacked_taps(taps, plans), (1, 1), (1, 1))
    for out_rows, out_cols, rows, cols, channels in phase_regions(plans, scale, out_channels):
        out[:, out_rows, out_cols].copy_(stacked[:, rows, cols, channels])
    return out if bias is None else out.add_(bias)


def upsample_conv_backward(xlp, taps, grad, plans, scale, input_grad: bool = True):
    """Gradients w.r.t. the taps ``(kh, kw, C, O)`` and the padded low-res input ``(N, Hlp, Wlp, C)`` (None
    without ``input_grad``), given the output gradient ``grad`` ``(N, Ho, Wo, O)``."""
    hlp, wlp = xlp.shape[1:3]
    spans = (plans[0].span, plans[1].span)
    stacked_grad = stacked_phase_grad(grad, plans, scale, (hlp - spans[0] + 1, wlp - spans[1] + 1))
    stacked_taps_grad = conv_weight_grad(xlp, stacked_grad, spans, (1, 1), (1, 1))
    grad_input = conv_input_grad(stacked_grad, stacked_taps(taps, plans), (hlp, wlp), (1, 1), (1, 1)) if input_grad else None
    return unstack_taps_grad(stacked_taps_grad, plans, taps.shape[:2]), grad_input
