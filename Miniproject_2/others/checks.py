"""Argument and input validation shared by the framework's modules (clear ``ValueError``s)."""

from __future__ import annotations

from torch import empty

Tensor = type(empty(0))


def pair(value, name: str, minimum: int = 0) -> tuple[int, int]:
    """An int or a pair of ints -> ``(a, b)``, each at least ``minimum``."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {tuple(value)}")
    return int(value[0]), int(value[1])


def positive_int(value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def tensor(value, name: str, dims: int | None = None):
    """Check ``value`` is a floating-point tensor (of ``dims`` dimensions when given)."""
    if not isinstance(value, Tensor):
        raise ValueError(f"{name} must be a tensor, got {type(value).__name__}")
    if dims is not None and value.dim() != dims:
        shape = "(N, C, H, W)" if dims == 4 else f"{dims} dimensions"
        raise ValueError(f"{name} must be {dims}-D {shape}, got shape {tuple(value.shape)}")
    if not value.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got {value.dtype}")
    return value


def image_batch(value, name: str, channels: int):
    """Check ``value`` is a float ``(N, channels, H, W)`` tensor with N, H, W >= 1."""
    tensor(value, name, dims=4)
    if value.shape[1] != channels:
        raise ValueError(f"{name} must have {channels} channels (dim 1), got shape {tuple(value.shape)}")
    if min(value.shape[0], value.shape[2], value.shape[3]) < 1:
        raise ValueError(f"{name} must not be empty, got shape {tuple(value.shape)}")
    return value


def same_shape(grad, expected_shape, name: str):
    """Check a gradient has the shape of the output it belongs to."""
    tensor(grad, name)
    if tuple(grad.shape) != tuple(expected_shape):
        raise ValueError(f"{name} must have the output's shape {tuple(expected_shape)}, got {tuple(grad.shape)}")
    return grad


def saved(value, module):
    """The tensor a module saved in ``forward``; a clear error when ``backward`` comes first."""
    if value is None:
        raise ValueError(f"{type(module).__name__}.backward called before forward: run forward first")
    return value
