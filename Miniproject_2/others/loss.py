"""Mean squared error loss."""

from __future__ import annotations

from . import checks
from .module import Module


class MSE(Module):
    """``mean((prediction - target)**2)`` over all elements, as ``torch.nn.MSELoss()``.

    ``forward(prediction, target)`` takes two tensors of the same shape and returns a 0-D
    tensor; ``backward()`` returns the gradient w.r.t. ``prediction`` (same shape).
    """

    def __init__(self) -> None:
        super().__init__()
        self._difference = None

    def forward(self, prediction, target):
        checks.tensor(prediction, "MSE prediction")
        checks.tensor(target, "MSE target")
        if prediction.shape != target.shape:
            raise ValueError(f"MSE prediction and target must have the same shape, got {tuple(prediction.shape)} and {tuple(target.shape)}")
        self._difference = (prediction - target).contiguous()
        flat = self._difference.view(-1)
        return flat.dot(flat) / flat.numel()  # one pass, no squared copy

    def backward(self, grad_output=None):
        """Gradient w.r.t. the prediction, scaled by ``grad_output`` (a number or 0-D tensor) if given."""
        difference = checks.saved(self._difference, self)
        grad = difference * (2.0 / difference.numel())
        return grad if grad_output is None else grad * grad_output
