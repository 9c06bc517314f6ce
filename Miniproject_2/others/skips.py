"""Containers for skip connections: ``Identity``, ``Concat``, ``SkipConcat`` and ``Residual``.

All take ``(N, C, H, W)`` inputs. On the way back, an input that fed several paths receives
the sum of their gradients.
"""

from __future__ import annotations

from torch import cat

from . import checks
from .module import Module


def _check_module(value, name: str) -> Module:
    if not isinstance(value, Module):
        raise ValueError(f"{name} must be a Module, got {type(value).__name__}")
    return value


class Identity(Module):
    """``forward(x) = x``; ``backward(g) = g``."""

    def __init__(self) -> None:
        super().__init__()
        self._shape = None

    def forward(self, x):
        checks.tensor(x, "Identity input")
        self._shape = tuple(x.shape)
        return x

    def backward(self, grad_output):
        return checks.same_shape(grad_output, checks.saved(self._shape, self), "Identity grad_output")


class Concat(Module):
    """``Concat(b0, b1, ...)``: every branch reads the same input; their outputs
    ``(N, C_i, H, W)`` are concatenated along channels -> ``(N, C_0 + C_1 + ..., H, W)``.

    ``backward`` splits the gradient by channels, runs each branch's ``backward`` on its part
    and returns the sum of the branches' input gradients. Children are named ``"0"``, ``"1"``, ...
    in ``state_dict`` keys (``SkipConcat`` names its own).
    """

    def __init__(self, *branches: Module) -> None:
        super().__init__()
        if not branches:
            raise ValueError("Concat needs at least one branch")
        self.branches = [_check_module(branch, f"Concat branch {index}") for index, branch in enumerate(branches)]
        self._saved = None

    def children(self):
        return [(str(index), branch) for index, branch in enumerate(self.branches)]

    def forward(self, x):
        checks.tensor(x, f"{type(self).__name__} input", dims=4)
        outputs = [branch.forward(x) for branch in self.branches]
        first = outputs[0]
        for (name, _), output in zip(self.children(), outputs):
            if output.dim() != 4 or output.shape[0] != first.shape[0] or output.shape[2:] != first.shape[2:]:
                shapes = [tuple(o.shape) for o in outputs]
                raise ValueError(
                    f"{type(self).__name__} branches must return (N, C_i, H, W) outputs with the same N, H, W; "
                    f"branch {name!r} broke this (output shapes {shapes})"
                )
        result = cat(outputs, dim=1)
        self._saved = ([output.shape[1] for output in outputs], tuple(result.shape))
        return result

    def backward(self, grad_output):
        sizes, shape = checks.saved(self._saved, self)
        checks.same_shape(grad_output, shape, f"{type(self).__name__} grad_output")
        total = None
        for branch, part in zip(self.branches, grad_output.split(sizes, dim=1)):
            grad = branch.backward(part)
            total = grad if total is None else total + grad
        return total


class SkipConcat(Concat):
    """``cat([inner(x), x], dim=1)``: a U-Net skip connection around ``inner``.

    ``(N, C, H, W)`` -> ``(N, C_inner + C, H, W)``; ``inner`` must keep N, H and W. The input's
    gradient is ``inner``'s input gradient plus the gradient of the skipped copy. ``inner``'s
    parameters appear under ``"inner."`` in ``state_dict`` keys.
    """

    def __init__(self, inner: Module) -> None:
        super().__init__(_check_module(inner, "SkipConcat inner"), Identity())
        self.inner = inner

    def children(self):
        return [("inner", self.inner), ("skip", self.branches[1])]


class Residual(Module):
    """``x + inner(x)``: ``inner`` must map ``(N, C, H, W)`` to the same shape. Parameters appear
    under ``"inner."`` in ``state_dict`` keys."""

    def __init__(self, inner: Module) -> None:
        super().__init__()
        self.inner = _check_module(inner, "Residual inner")
        self._shape = None

    def forward(self, x):
        checks.tensor(x, "Residual input")
        output = self.inner.forward(x)
        if output.shape != x.shape:
            raise ValueError(f"Residual inner must keep the input's shape {tuple(x.shape)}, got {tuple(output.shape)}")
        self._shape = tuple(x.shape)
        return x + output

    def backward(self, grad_output):
        checks.same_shape(grad_output, checks.saved(self._shape, self), "Residual grad_output")
        return grad_output + self.inner.backward(grad_output)
