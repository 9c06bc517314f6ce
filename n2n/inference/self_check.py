"""A self-supervised score of a denoiser on one noisy photo, with no clean image (Noise2Self masking).

Which of two denoisers does better on a photo whose clean version nobody has? Hide a sparse grid of
pixels (every :data:`~n2n.training.noise2self.GRID`-th pixel in each direction, at a few offsets), fill
each hidden pixel with the mean of its four neighbours, denoise, and compare the denoised value at the
hidden pixels with their *noisy* values. The denoiser never saw those noisy values, so under pixel-wise
independent noise the score depends on the denoiser only through how far its output is from the clean
value (Batson & Royer, *Noise2Self*, 2019): the lower score is the better denoiser of (slightly masked
versions of) this photo.

The score is a mean *absolute* error, for the reason :mod:`n2n.training.noise2self` gives: a photo's
noise is clipped to [0, 255], so a mean squared error would favour the clipped mean; for noise that is
symmetric about the clean value the expected absolute error grows with the distance to the clean value,
clipped or not. Only the central :data:`REGION` x :data:`REGION` pixels are scored, which bounds the
cost (8 passes of the network for a two-network comparison) whatever the photo's size.

``n2n denoise --adapt`` uses it to blend the adapted network in only where it scores lower than the
network it started from (:func:`n2n.inference.adapt.adapt`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from n2n.inference.tiling import denoise_tiled
from n2n.training.noise2self import GRID, grid_mask, masked_input, neighbour_mean

__all__ = ["GRID", "OFFSETS", "REGION", "masked_score", "neighbour_mean", "central_region"]

# Four of the 16 offsets of a 4x4 grid, one per row and column: a quarter of the pixels are scored.
OFFSETS = ((0, 0), (1, 2), (2, 1), (3, 3))
REGION = 512

Predict = Callable[[torch.Tensor], torch.Tensor]


def central_region(image: torch.Tensor, size: int = REGION) -> torch.Tensor:
    """The central ``size x size`` pixels of ``image (N, C, H, W)`` (all of a side shorter than ``size``)."""
    height, width = image.shape[-2:]
    top, left = max(0, (height - size) // 2), max(0, (width - size) // 2)
    return image[..., top:top + size, left:left + size]


def masked_score(predict: Predict, noisy: torch.Tensor, offsets: tuple[tuple[int, int], ...] = OFFSETS,
                 region: int | None = REGION) -> float:
    """Mean absolute error (0-255 scale) between ``predict``'s output at hidden pixels and their noisy values.

    ``noisy``: one image ``(1, C, H, W)``, uint8 or float in [0, 255], at least 2x2 px. ``predict`` maps such
    an image to its denoised float version (it is run tiled, once per offset) on the central ``region`` px
    square (``None``: the whole image). Lower is better; only the difference between two denoisers on the
    same ``noisy`` means anything.
    """
    if not isinstance(noisy, torch.Tensor) or noisy.dim() != 4 or noisy.shape[0] != 1:
        shape = tuple(noisy.shape) if isinstance(noisy, torch.Tensor) else type(noisy).__name__
        raise ValueError(f"masked_score expects one image (1, C, H, W), got {shape}")
    if min(noisy.shape[-2:]) < 2:
        raise ValueError(f"masked_score needs an image of at least 2x2 px, got {tuple(noisy.shape[-2:])}")
    image = (central_region(noisy, region) if region is not None else noisy).to(torch.float32)
    total, count = 0.0, 0
    for row, column in offsets:
        hidden = grid_mask(image.shape[-2], image.shape[-1], row, column)
        if not hidden.any():
            continue
        output = denoise_tiled(predict, masked_input(image, hidden))
        total += float(((output - image).abs() * hidden).sum())
        count += int(hidden.sum()) * image.shape[1]
    return total / count
