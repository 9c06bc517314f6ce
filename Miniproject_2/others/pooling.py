"""Max pooling: ``MaxPool2d``, as ``torch.nn.MaxPool2d`` without padding, dilation or ceil mode."""

from __future__ import annotations

from torch import arange

from . import checks
from .module import Module


class MaxPool2d(Module):
    """Maximum over ``kernel_size`` windows placed every ``stride`` pixels (default: ``kernel_size``).

    ``(N, C, H, W)`` -> ``(N, C, Ho, Wo)`` with ``Ho = (H - kh) // sh + 1`` (likewise Wo); rows and
    columns that no window reaches are ignored, as in torch.

    ``backward`` sends each output's whole gradient to the input element that was its maximum;
    where windows overlap (stride < kernel) an element receives the sum over the windows it won.

    Ties: the first maximal element of the window in row-major order wins. That is what
    ``Tensor.max(dim)`` returns and what torch's CPU max-pooling kernel picks (it replaces the
    running maximum only on a strictly larger value), so gradients match torch with ties too.
    A window holding a NaN outputs NaN.
    """

    def __init__(self, kernel_size, stride=None) -> None:
        super().__init__()
        self.kernel_size = checks.pair(kernel_size, "kernel_size", minimum=1)
        self.stride = self.kernel_size if stride is None else checks.pair(stride, "stride", minimum=1)
        self._saved = None

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return (height - kh) // sh + 1, (width - kw) // sw + 1

    def forward(self, x):
        checks.tensor(x, "MaxPool2d input", dims=4)
        n, c, h, w = x.shape
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if h < kh or w < kw:
            raise ValueError(f"MaxPool2d kernel {self.kernel_size} is larger than the input {h}x{w}: use a larger input or a smaller kernel")
        ho, wo = self.output_size(h, w)
        windows = x.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, Ho, Wo, kh, kw) view
        values, winner = windows.reshape(n, c, ho, wo, kh * kw).max(dim=4)
        # Position of each winner in the flattened (H, W) plane, for the backward scatter.
        rows = arange(ho, device=x.device).view(ho, 1) * sh + winner.div(kw, rounding_mode="floor")
        cols = arange(wo, device=x.device) * sw + winner.remainder(kw)
        self._saved = ((rows * w + cols).view(n, c, ho * wo), (n, c, h, w))
        return values

    def backward(self, grad_output):
        index, (n, c, h, w) = checks.saved(self._saved, self)
        checks.same_shape(grad_output, (n, c, *self.output_size(h, w)), "MaxPool2d grad_output")
        grad = grad_output.new_zeros(n, c, h * w)
        grad.scatter_add_(2, index, grad_output.reshape(n, c, -1))
        return grad.view(n, c, h, w)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
