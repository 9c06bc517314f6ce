"""Checks on the tensors handed to ``Model.train``/``Model.predict``, with messages naming expected vs got."""

from __future__ import annotations

import torch

# Noisy float inputs may overshoot [0, 255] a little (unclipped noise); far beyond is a scaling mistake.
RANGE_MARGIN = 128.0


def check_images(images: object, name: str, channels: int = 3) -> torch.Tensor:
    """Return ``images`` if it is a finite ``(N, channels, H, W)`` tensor, N, H, W >= 1, values in about [0, 255].

    Raises ``ValueError`` otherwise.
    """
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"{name}: expected a batch of images as a torch.Tensor of shape (N, {channels}, H, W) with values "
                         f"from 0 to 255, got {type(images).__name__}")
    if images.dim() != 4:
        raise ValueError(f"{name}: expected a 4-D tensor (N, {channels}, H, W), got shape {tuple(images.shape)}")
    n, c, h, w = images.shape
    if c != channels:
        raise ValueError(f"{name}: expected {channels} channels (N, {channels}, H, W), got shape {tuple(images.shape)}")
    if n < 1 or h < 1 or w < 1:
        raise ValueError(f"{name}: expected N, H, W >= 1, got shape {tuple(images.shape)}")
    if images.dtype == torch.bool or images.is_complex():
        raise ValueError(f"{name}: expected uint8 or float values in [0, 255], got dtype {images.dtype}")
    if images.is_floating_point():
        if not bool(torch.isfinite(images).all()):
            raise ValueError(f"{name}: expected finite values in [0, 255], got NaN or inf")
    if images.dtype != torch.uint8:
        low, high = float(images.min()), float(images.max())
        if low < -RANGE_MARGIN or high > 255.0 + RANGE_MARGIN:
            raise ValueError(
                f"{name}: expected values in [0, 255] (uint8 or float), got values in [{low:g}, {high:g}]"
            )
    return images


def check_pair(inputs: object, targets: object) -> tuple[torch.Tensor, torch.Tensor]:
    """Check a training pair: both valid image batches of the same shape."""
    inputs = check_images(inputs, "train_input")
    targets = check_images(targets, "train_target")
    if inputs.shape != targets.shape:
        raise ValueError(
            f"train_input and train_target must have the same shape, got {tuple(inputs.shape)} and {tuple(targets.shape)}"
        )
    return inputs, targets


def check_epochs(num_epochs: object) -> int:
    """``num_epochs`` must be a non-negative integer."""
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, int) or num_epochs < 0:
        raise ValueError(f"num_epochs: expected a non-negative int, got {num_epochs!r}")
    return num_epochs
