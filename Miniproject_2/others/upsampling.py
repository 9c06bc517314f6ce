"""Upsampling: ``NearestUpsampling`` (pixel repetition) and ``Upsampling`` = nearest-neighbour
upsampling followed by a convolution, the course's alternative to a transposed convolution."""

from __future__ import annotations

from . import checks
from .conv import Conv2d, _nchw, _nhwc
from .conv_kernels import pad_nhwc
from .upsampling_phases import plan_for, upsample_conv_backward, upsample_conv_forward
from .module import Module
from .precision import compute


def repeat_into(destination, x_nhwc, scale):
    """Write ``x_nhwc`` ``(N, H, W, C)`` repeated ``scale = (sh, sw)`` times along H and W into
    ``destination``, an ``(N, H*sh, W*sw, C)`` tensor or view."""
    n, h, w, c = x_nhwc.shape
    sh, sw = scale
    destination.view(n, h, sh, w, sw, c).copy_(x_nhwc[:, :, None, :, None, :].expand(n, h, sh, w, sw, c))
    return destination


def sum_blocks(grad_nhwc, scale):
    """Adjoint of ``repeat_into``: sum ``(N, H*sh, W*sw, C)`` over each ``sh x sw`` block -> ``(N, H, W, C)``.

    Added as ``sh*sw`` strided views (one per position in the block): a reduction over the two
    strided block axes runs several times slower on channels-last data."""
    sh, sw = scale
    views = [grad_nhwc[:, i::sh, j::sw] for i in range(sh) for j in range(sw)]
    total = views[0].clone() if len(views) == 1 else views[0] + views[1]
    for view in views[2:]:
        total += view
    return total


class NearestUpsampling(Module):
    """Repeat each pixel ``scale_factor`` times along H and W: ``(N, C, H, W)`` -> ``(N, C, H*sh, W*sw)``."""

    def __init__(self, scale_factor=2) -> None:
        super().__init__()
        self.scale_factor = checks.pair(scale_factor, "scale_factor", minimum=1)
        self._input_shape = None

    def forward(self, x):
        checks.tensor(x, "NearestUpsampling input", dims=4)
        n, c, h, w = x.shape
        self._input_shape = tuple(x.shape)
        sh, sw = self.scale_factor
        return _nchw(repeat_into(x.new_empty(n, h * sh, w * sw, c), _nhwc(x), self.scale_factor))

    def backward(self, grad_output):
        n, c, h, w = checks.saved(self._input_shape, self)
        sh, sw = self.scale_factor
        checks.same_shape(grad_output, (n, c, h * sh, w * sw), "NearestUpsampling grad_output")
        return _nchw(sum_blocks(_nhwc(grad_output), self.scale_factor))

    def extra_repr(self) -> str:
        return f"scale_factor={self.scale_factor}"


class Upsampling(Module):
    """``NearestUpsampling(scale_factor)`` then ``Conv2d(in_channels, out_channels, kernel_size,
    padding=padding)`` (stride 1; default padding ``(kernel_size - 1) // 2`` keeps the size).

    ``(N, C_in, H, W)`` -> ``(N, C_out, H*s + 2p - k + 1, W*s + 2p - k + 1)``. The parameters are
    those of ``self.conv`` (``conv.weight`` ``(C_out, C_in, kh, kw)``, ``conv.bias``), but the
    computation never builds the upsampled image: see ``upsampling_phases``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, scale_factor=2, padding=None, bias=True, device=None, dtype=None) -> None:
        super().__init__()
        kernel = checks.pair(kernel_size, "kernel_size", minimum=1)
        if padding is None:
            padding = ((kernel[0] - 1) // 2, (kernel[1] - 1) // 2)
        self.upsample = NearestUpsampling(scale_factor)
        self.conv = Conv2d(in_channels, out_channels, kernel, stride=1, padding=padding, bias=bias, device=device, dtype=dtype)
        self._saved = None

    @staticmethod
    def fuses(upsample, conv) -> bool:
        """Whether ``conv`` after ``upsample`` can run as one ``Upsampling`` (a stride-1, undilated ``Conv2d``)."""
        return (type(upsample) is NearestUpsampling and type(conv) is Conv2d
                and conv.stride == (1, 1) and conv.dilation == (1, 1))

    @classmethod
    def around(cls, upsample: NearestUpsampling, conv: Conv2d) -> "Upsampling":
        """The fused computation of existing ``upsample`` then ``conv`` layers (see ``fuses``), sharing
        their parameters and gradients; ``Sequential`` runs such pairs through it."""
        if not cls.fuses(upsample, conv):
            raise ValueError("Upsampling.around needs a NearestUpsampling and a stride-1, undilated Conv2d")
        fused = cls.__new__(cls)
        Module.__init__(fused)
        fused.upsample, fused.conv, fused._saved = upsample, conv, None
        return fused

    def forward(self, x):
        self.conv._check_input(x)
        scale, kernel, padding = self.upsample.scale_factor, self.conv.kernel_size, self.conv.padding
        plans = plan_for(x.shape[2:], scale, kernel, padding)
        if plans[0].output < 1 or plans[1].output < 1:
            raise ValueError(
                f"Upsampling kernel {kernel} is larger than the padded upsampled input "
                f"{tuple(s * f + 2 * p for s, f, p in zip(x.shape[2:], scale, padding))}: use a larger input or more padding"
            )
        xlp = pad_nhwc(_nhwc(compute(x)), tuple(p.pad_before for p in plans), tuple(p.pad_after for p in plans))
        self._saved = (xlp, plans, tuple(x.shape))
        return _nchw(upsample_conv_forward(xlp, self.conv._taps(), plans, scale, compute(self.conv.bias)))

    def backward(self, grad_output, input_grad: bool = True):
        xlp, plans, (n, _, h, w) = checks.saved(self._saved, self)
        checks.same_shape(grad_output, (n, self.conv.out_channels, plans[0].output, plans[1].output), "Upsampling grad_output")
        grad = _nhwc(compute(grad_output))
        grad_taps, grad_input = upsample_conv_backward(xlp, self.conv._taps(), grad, plans, self.upsample.scale_factor, input_grad)
        self.conv.weight_grad += grad_taps.permute(3, 2, 0, 1)
        self.conv._accumulate_bias_grad(grad)
        if not input_grad:
            return None
        top, left = plans[0].pad_before, plans[1].pad_before
        return _nchw(grad_input[:, top:top + h, left:left + w])

    def parameter_backward(self, grad_output) -> None:
        self.backward(grad_output, input_grad=False)

    def extra_repr(self) -> str:
        return f"scale_factor={self.upsample.scale_factor}"
