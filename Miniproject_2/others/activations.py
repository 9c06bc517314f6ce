"""Element-wise activations: ``ReLU``, ``LeakyReLU`` and a numerically stable ``Sigmoid``.

All take and return tensors of any shape; ``backward`` takes the gradient w.r.t. the output
(same shape) and returns the gradient w.r.t. the input.
"""

from __future__ import annotations

from . import checks
from .module import Module


class _Elementwise(Module):
    """Keeps one tensor from ``forward`` and checks gradients against its shape."""

    def __init__(self) -> None:
        super().__init__()
        self._saved = None

    def _grad(self, grad_output):
        saved = checks.saved(self._saved, self)
        return checks.same_shape(grad_output, saved.shape, f"{type(self).__name__} grad_output"), saved


class ReLU(_Elementwise):
    """``max(x, 0)``; the gradient at 0 is 0, as in PyTorch."""

    def forward(self, x):
        checks.tensor(x, "ReLU input")
        out = x.clamp(min=0)
        self._saved = out
        return out

    def backward(self, grad_output):
        grad, out = self._grad(grad_output)
        return grad.masked_fill(out <= 0, 0)


class LeakyReLU(_Elementwise):
    """``x`` where ``x > 0``, else ``negative_slope * x``."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        if not isinstance(negative_slope, (int, float)) or isinstance(negative_slope, bool):
            raise ValueError(f"negative_slope must be a number, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        checks.tensor(x, "LeakyReLU input")
        self._saved = x
        return x.where(x > 0, x * self.negative_slope)

    def backward(self, grad_output):
        grad, x = self._grad(grad_output)
        return grad.where(x > 0, grad * self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(_Elementwise):
    """``1 / (1 + exp(-x))``, computed from ``exp(-|x|)`` so it never overflows."""

    def forward(self, x):
        checks.tensor(x, "Sigmoid input")
        decay = (-x.abs()).exp()  # in (0, 1], never inf
        positive = 1 / (1 + decay)
        out = positive.where(x >= 0, decay * positive)
        self._saved = out
        return out

    def backward(self, grad_output):
        grad, out = self._grad(grad_output)
        return grad * out * (1 - out)
