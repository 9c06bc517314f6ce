"""Image batches at the ``Model`` boundary: validation, [0, 255] <-> [0, 1] scaling, padding.

The course hands ``Model`` uint8 (or float) tensors ``(N, 3, H, W)`` in [0, 255]; the networks
work on float ``(N, 3, H, W)`` in [0, 1]. The same rules as Miniproject_1 apply (written again
here because Miniproject_2 may import nothing but the framework's allowed names).
"""

from __future__ import annotations

from torch import arange

from .checks import Tensor

# Noisy float inputs may overshoot [0, 255] a little (unclipped noise); far beyond is a scaling mistake.
RANGE_MARGIN = 128.0


def check_images(images, name: str, channels: int = 3):
    """Return ``images`` if it is a finite ``(N, channels, H, W)`` uint8/float tensor with N, H, W >= 1
    and values in about [0, 255]; raise ``ValueError`` naming expected vs got otherwise."""
    if not isinstance(images, Tensor):
        raise ValueError(f"{name}: expected a batch of images as a torch.Tensor of shape (N, {channels}, H, W) with values "
                         f"from 0 to 255, got {type(images).__name__}")
    if images.dim() != 4:
        raise ValueError(f"{name}: expected a 4-D tensor (N, {channels}, H, W), got shape {tuple(images.shape)}")
    n, c, h, w = images.shape
    if c != channels:
        raise ValueError(f"{name}: expected {channels} channels (N, {channels}, H, W), got shape {tuple(images.shape)}")
    if n < 1 or h < 1 or w < 1:
        raise ValueError(f"{name}: expected N, H, W >= 1, got shape {tuple(images.shape)}")
    if str(images.dtype) == "torch.uint8":
        return images
    if not images.is_floating_point():
        raise ValueError(f"{name}: expected uint8 or float values in [0, 255], got dtype {images.dtype}")
    if not bool(images.isfinite().all()):
        raise ValueError(f"{name}: expected finite values in [0, 255], got NaN or inf")
    low, high = float(images.min()), float(images.max())
    if low < -RANGE_MARGIN or high > 255.0 + RANGE_MARGIN:
        raise ValueError(f"{name}: expected values in [0, 255] (uint8 or float), got values in [{low:g}, {high:g}]")
    return images


def check_pair(inputs, targets):
    """A training pair: two valid image batches of the same shape."""
    check_images(inputs, "train_input")
    check_images(targets, "train_target")
    if inputs.shape != targets.shape:
        raise ValueError(f"train_input and train_target must have the same shape, got {tuple(inputs.shape)} and {tuple(targets.shape)}")
    return inputs, targets


def check_epochs(num_epochs) -> int:
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 0:
        raise ValueError(f"num_epochs: expected a non-negative int, got {num_epochs!r}")
    return num_epochs


def to_unit(images, device, dtype):
    """``(N, C, H, W)`` in [0, 255] -> float ``dtype`` on ``device`` in [0, 1] (not clipped)."""
    return images.to(device=device, dtype=dtype) / 255.0


def reflect_indices(size: int, before: int, after: int, device):
    """Indices ``(before + size + after,)`` that mirror ``range(size)`` outwards (edge pixel not
    repeated, as ``numpy.pad(mode="reflect")``); any padding width works, a size of 1 repeats."""
    positions = arange(-before, size + after, device=device)
    if size == 1:
        return positions * 0
    period = 2 * (size - 1)
    folded = positions.remainder(period)
    return folded.where(folded < size, period - folded)


def pad_to_multiple(images, multiple: int):
    """Mirror-pad ``(N, C, H, W)`` at the bottom/right to multiples of ``multiple``.

    Returns the padded tensor and the original ``(H, W)`` to crop back to."""
    height, width = images.shape[2], images.shape[3]
    pad_h, pad_w = -height % multiple, -width % multiple
    if pad_h:
        images = images.index_select(2, reflect_indices(height, 0, pad_h, images.device))
    if pad_w:
        images = images.index_select(3, reflect_indices(width, 0, pad_w, images.device))
    return images, (height, width)
