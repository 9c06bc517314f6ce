"""Convolution layers: ``Conv2d`` and ``TransposeConv2d``, with the semantics, weight layouts and
default initialisation of ``torch.nn.Conv2d`` / ``torch.nn.ConvTranspose2d``.

Inputs and outputs are ``(N, C, H, W)`` tensors. Internally the layers work channels-last
(see ``conv_kernels``); outputs are returned as ``(N, C, H, W)`` views of channels-last
memory (what PyTorch calls ``torch.channels_last``), so the next layer reads them for free.
Layers with a narrow side (at most a quarter as many input channels as output channels for
``Conv2d``, the reverse for ``TransposeConv2d``) work on channel planes (``conv_planes``): im2col and
its adjoint scatter move whole image rows there, not rows of three channels. Under ``precision.autocast``
inputs, weights and gradients enter the products as bfloat16; the float32 parameter gradients
accumulate them.
"""

from __future__ import annotations

import math

from torch import empty

from . import checks
from .conv_kernels import biased_product, columns, conv_forward, conv_input_grad, conv_weight_grad, is_narrow, output_size, pad_nhwc
from .conv_planes import narrow_input_grad, narrow_transpose_backward, narrow_transpose_forward, plane_columns
from .module import Module
from .precision import compute, compute_dtype


def _nhwc(x):
    """``(N, C, H, W)`` -> ``(N, H, W, C)`` view."""
    return x.permute(0, 2, 3, 1)


def _nchw(x):
    """``(N, H, W, C)`` -> ``(N, C, H, W)`` view."""
    return x.permute(0, 3, 1, 2)


class _ConvBase(Module):
    """Shared construction: argument checks, parameters and torch's default initialisation."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, bias, weight_shape, fan_in_channels, device, dtype):
        super().__init__()
        self.in_channels = checks.positive_int(in_channels, "in_channels")
        self.out_channels = checks.positive_int(out_channels, "out_channels")
        self.kernel_size = checks.pair(kernel_size, "kernel_size", minimum=1)
        self.stride = checks.pair(stride, "stride", minimum=1)
        self.padding = checks.pair(padding, "padding", minimum=0)
        self.dilation = checks.pair(dilation, "dilation", minimum=1)
        # torch.nn's default: kaiming_uniform_(a=sqrt(5)) for the weight, which reduces to
        # U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
        fan_in = fan_in_channels * self.kernel_size[0] * self.kernel_size[1]
        bound = 1.0 / math.sqrt(fan_in)
        self.register_parameter("weight", empty(weight_shape, device=device, dtype=dtype).uniform_(-bound, bound))
        if bias:
            self.register_parameter("bias", empty(self.out_channels, device=device, dtype=dtype).uniform_(-bound, bound))
        else:
            self.bias = None
        self._saved = None

    def _check_input(self, x):
        checks.image_batch(x, f"{type(self).__name__} input", self.in_channels)
        if x.dtype not in (self.weight.dtype, compute_dtype(self.weight.dtype)) or x.device != self.weight.device:
            raise ValueError(
                f"{type(self).__name__} input is {x.dtype} on {x.device} but the weights are "
                f"{self.weight.dtype} on {self.weight.device}: convert the input or call .to(...)"
            )

    def parameter_backward(self, grad_output) -> None:
        self.backward(grad_output, input_grad=False)

    def _accumulate_bias_grad(self, grad_nhwc):
        if self.bias is not None:
            self.bias_grad += grad_nhwc.sum(dim=(0, 1, 2))

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, bias={self.bias is not None}"
        )


class Conv2d(_ConvBase):
    """2-D convolution. Input ``(N, C_in, H, W)`` -> output ``(N, C_out, Ho, Wo)`` with
    ``Ho = (H + 2*padding - dilation*(kernel-1) - 1) // stride + 1`` (likewise Wo).

    ``weight``: ``(C_out, C_in, kh, kw)``; ``bias``: ``(C_out,)`` or None.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True, device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias,
                         (out_channels, in_channels, *checks.pair(kernel_size, "kernel_size", 1)),
                         in_channels, device, dtype)

    def _taps(self):
        """Weight in tap layout ``(kh, kw, C_in, C_out)``."""
        return compute(self.weight).permute(2, 3, 1, 0).contiguous()

    def forward(self, x):
        self._check_input(x)
        height, width = x.shape[2], x.shape[3]
        padded = (height + 2 * self.padding[0], width + 2 * self.padding[1])
        extent = [d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel_size)]
        if padded[0] < extent[0] or padded[1] < extent[1]:
            raise ValueError(
                f"Conv2d kernel {self.kernel_size} with dilation {self.dilation} spans {tuple(extent)} pixels, "
                f"larger than the padded input {padded}: use a larger input, more padding or a smaller kernel"
            )
        out_size = output_size(padded, self.kernel_size, self.stride, self.dilation)
        x = compute(x)
        n = x.shape[0]
        if is_narrow(self.in_channels, self.out_channels):
            # Few input channels: im2col on channel planes (whole-row copies), one product.
            cols = plane_columns(x, self.kernel_size, self.stride, self.padding, self.dilation, out_size).t()  # (N*Ho*Wo, kh*kw*C)
            self._saved = (None, cols, n, (height, width), out_size)
            taps = self._taps().view(cols.shape[1], self.out_channels)
            return _nchw(biased_product(cols, taps, compute(self.bias)).view(n, *out_size, self.out_channels))
        xp = pad_nhwc(_nhwc(x), self.padding)
        cols = columns(xp, self.kernel_size, self.stride, self.dilation, self.out_channels)
        self._saved = (xp, cols, n, (height, width), out_size)
        return _nchw(conv_forward(xp, self._taps(), self.stride, self.dilation, compute(self.bias), cols))

    def backward(self, grad_output, input_grad: bool = True):
        xp, cols, n, (height, width), out_size = checks.saved(self._saved, self)
        checks.same_shape(grad_output, (n, self.out_channels, *out_size), "Conv2d grad_output")
        grad_nhwc = _nhwc(compute(grad_output))
        self._accumulate_bias_grad(grad_nhwc)
        if xp is None:  # the plane columns of a narrow input
            taps_grad = cols.t().mm(grad_nhwc.reshape(-1, self.out_channels)).view(*self.kernel_size, self.in_channels, self.out_channels)
        else:
            taps_grad = conv_weight_grad(xp, grad_nhwc, self.kernel_size, self.stride, self.dilation, cols)
        self.weight_grad += taps_grad.permute(3, 2, 0, 1)
        if not input_grad:
            return None
        if xp is None:
            return narrow_input_grad(_nchw(grad_nhwc), compute(self.weight), (height, width), self.stride, self.padding, self.dilation)
        grad_padded = conv_input_grad(grad_nhwc, self._taps(), xp.shape[1:3], self.stride, self.dilation)
        (ph, pw) = self.padding
        return _nchw(grad_padded[:, ph:ph + height, pw:pw + width])


class TransposeConv2d(_ConvBase):
    """2-D transposed convolution (the adjoint of ``Conv2d``), as ``torch.nn.ConvTranspose2d``.

    Input ``(N, C_in, H, W)`` -> output ``(N, C_out, Ho, Wo)`` with
    ``Ho = (H - 1)*stride - 2*padding + dilation*(kernel-1) + output_padding + 1``.
    ``weight``: ``(C_in, C_out, kh, kw)``; ``bias``: ``(C_out,)`` or None.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, dilation=1, bias=True, device=None, dtype=None):
        # torch computes the transposed layer's fan-in from weight.size(1) = out_channels.
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias,
                         (in_channels, out_channels, *checks.pair(kernel_size, "kernel_size", 1)),
                         out_channels, device, dtype)
        self.output_padding = checks.pair(output_padding, "output_padding", minimum=0)
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            if op >= max(s, d):
                raise ValueError(f"output_padding {self.output_padding} must be smaller than stride or dilation, got stride {self.stride}, dilation {self.dilation}")

    def _taps(self):
        """The weight as the taps of the adjoint convolution: ``(kh, kw, C_out, C_in)``."""
        return compute(self.weight).permute(2, 3, 1, 0).contiguous()

    def _narrow(self) -> bool:
        """Whether this layer runs on channel planes (``conv_planes``): few output channels."""
        return is_narrow(self.out_channels, self.in_channels)

    def _output_size(self, height, width):
        return tuple(
            (size - 1) * s - 2 * p + d * (k - 1) + op + 1
            for size, s, p, d, k, op in zip((height, width), self.stride, self.padding, self.dilation, self.kernel_size, self.output_padding)
        )

    def forward(self, x):
        self._check_input(x)
        out_h, out_w = self._output_size(x.shape[2], x.shape[3])
        if out_h < 1 or out_w < 1:
            raise ValueError(f"TransposeConv2d output would be {out_h}x{out_w} for input {tuple(x.shape)}: reduce padding")
        x = compute(x)
        if self._narrow():
            self._saved = x
            return narrow_transpose_forward(x, compute(self.weight), compute(self.bias), (out_h, out_w), self.stride, self.padding, self.dilation)
        x_nhwc = _nhwc(x)
        self._saved = x_nhwc
        (ph, pw) = self.padding
        padded = (out_h + 2 * ph, out_w + 2 * pw)
        out = conv_input_grad(x_nhwc, self._taps(), padded, self.stride, self.dilation)[:, ph:ph + out_h, pw:pw + out_w]
        if self.bias is not None:
            out.add_(compute(self.bias))  # a view of a fresh tensor: no copy needed
        return _nchw(out)

    def backward(self, grad_output, input_grad: bool = True):
        saved = checks.saved(self._saved, self)
        grad_output = compute(grad_output)
        if self._narrow():
            n, _, height, width = saved.shape
            checks.same_shape(grad_output, (n, self.out_channels, *self._output_size(height, width)), "TransposeConv2d grad_output")
            self._accumulate_bias_grad(_nhwc(grad_output))
            return narrow_transpose_backward(saved, grad_output, compute(self.weight), self.weight_grad, self.stride, self.padding,
                                           self.dilation, input_grad)
        x_nhwc = saved
        n, height, width, _ = x_nhwc.shape
        checks.same_shape(grad_output, (n, self.out_channels, *self._output_size(height, width)), "TransposeConv2d grad_output")
        grad_padded = pad_nhwc(_nhwc(grad_output), self.padding)
        # The rows and columns that the input's (height, width) positions reach (output_padding adds more).
        reach = [(size - 1) * s + d * (k - 1) + 1 for size, s, d, k in zip((height, width), self.stride, self.dilation, self.kernel_size)]
        cols = columns(grad_padded[:, :reach[0], :reach[1]], self.kernel_size, self.stride, self.dilation, self.in_channels)
        source = grad_padded if cols is None else grad_padded[:, :reach[0], :reach[1]]
        self.weight_grad += conv_weight_grad(source, x_nhwc, self.kernel_size, self.stride, self.dilation, cols).permute(3, 2, 0, 1)
        self._accumulate_bias_grad(_nhwc(grad_output))
        if not input_grad:
            return None
        grad_input = conv_forward(source, self._taps(), self.stride, self.dilation, cols=cols)
        return _nchw(grad_input[:, :height, :width])
