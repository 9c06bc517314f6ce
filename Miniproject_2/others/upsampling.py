"""Upsampling: ``NearestUpsampling`` (pixel repetition) and ``Upsampling`` = nearest-neighbour
upsampling followed by a convolution, the course's alternative to a transposed convolution."""

from __future__ import annotations

from . import checks
from .conv import Conv2d, _nchw, _nhwc
from .module import Module


def repeat_into(destination, x_nhwc, scale):
    """Write ``x_nhwc`` ``(N, H, W, C)`` repeated ``scale = (sh, sw)`` times along H and W into
    ``destination``, an ``(N, H*sh, W*sw, C)`` tensor or view."""
    n, h, w, c = x_nhwc.shape
    sh, sw = scale
    destination.view(n, h, sh, w, sw, c).copy_(x_nhwc[:, :, None, :, None, :].expand(n, h, sh, w, sw, c))
    return destination


def sum_blocks(grad_nhwc, scale):
    """Adjoint of ``repeat_into``: sum ``(N, H*sh, W*sw, C)`` over each ``sh x sw`` block -> ``(N, H, W, C)``."""
    n, hs, ws, c = grad_nhwc.shape
    sh, sw = scale
    return grad_nhwc.reshape(n, hs // sh, sh, ws // sw, sw, c).sum(dim=(2, 4))


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

    ``(N, C_in, H, W)`` -> ``(N, C_out, H*s + 2p - k + 1, W*s + 2p - k + 1)``. The repetition is
    written straight into the convolution's zero-padded buffer, and its adjoint read straight out
    of the padded input gradient, so the upsampled image is copied once, not twice.
    """

    def __init__(self, in_channels, out_channels, kernel_size, scale_factor=2, padding=None, bias=True, device=None, dtype=None) -> None:
        super().__init__()
        kernel = checks.pair(kernel_size, "kernel_size", minimum=1)
        if padding is None:
            padding = ((kernel[0] - 1) // 2, (kernel[1] - 1) // 2)
        self.upsample = NearestUpsampling(scale_factor)
        self.conv = Conv2d(in_channels, out_channels, kernel, stride=1, padding=padding, bias=bias, device=device, dtype=dtype)
        self._input_shape = None

    def forward(self, x):
        self.conv._check_input(x)
        n, c, h, w = x.shape
        (sh, sw), (ph, pw) = self.upsample.scale_factor, self.conv.padding
        big = (h * sh, w * sw)
        padded = x.new_zeros(n, big[0] + 2 * ph, big[1] + 2 * pw, c)
        repeat_into(padded[:, ph:ph + big[0], pw:pw + big[1]], _nhwc(x), (sh, sw))
        kh, kw = self.conv.kernel_size
        if padded.shape[1] < kh or padded.shape[2] < kw:
            raise ValueError(f"Upsampling kernel {self.conv.kernel_size} is larger than the padded upsampled input {tuple(padded.shape[1:3])}")
        self._input_shape = tuple(x.shape)
        return _nchw(self.conv.forward_padded(padded, big))

    def backward(self, grad_output):
        n, c, h, w = checks.saved(self._input_shape, self)
        xp = self.conv._saved[0]
        ho, wo = xp.shape[1] - self.conv.kernel_size[0] + 1, xp.shape[2] - self.conv.kernel_size[1] + 1
        checks.same_shape(grad_output, (n, self.conv.out_channels, ho, wo), "Upsampling grad_output")
        grad_padded = self.conv.backward_padded(_nhwc(grad_output))
        (sh, sw), (ph, pw) = self.upsample.scale_factor, self.conv.padding
        return _nchw(sum_blocks(grad_padded[:, ph:ph + h * sh, pw:pw + w * sw], (sh, sw)))
