"""A self-supervised score of a denoiser on one noisy photo, with no clean image (Noise2Self masking).

Which of two denoisers does better on a photo whose clean version nobody has? Hide a sparse grid of
pixels (every :data:`GRID`-th pixel in each direction, at a few offsets), fill each hidden pixel with
the mean of its four neighbours, denoise, and compare the denoised value at the hidden pixels with
their *noisy* values. The denoiser never saw those noisy values, so under pixel-wise independent,
zero-mean noise the expected score is ``MSE(denoised, clean) + noise variance`` at those pixels
(Batson & Royer, *Noise2Self*, 2019): the noise variance is the same for every denoiser, so the
lower score is the better denoiser of (slightly masked versions of) this photo.

``n2n denoise --adapt`` uses it to keep the adapted network only where it scores lower than the
network it started from (:func:`n2n.inference.adapt.adapt`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from n2n.inference.tiling import denoise_tiled

GRID = 4
# Four of the 16 offsets of a 4x4 grid, one per row and column: a quarter of the pixels are scored.
OFFSETS = ((0, 0), (1, 2), (2, 1), (3, 3))

Predict = Callable[[torch.Tensor], torch.Tensor]


def neighbour_mean(image: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` float -> the mean of each pixel's 4 neighbours (reflected at the border), same shape."""
    channels = image.shape[1]
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=image.dtype) / 4
    padded = F.pad(image, (1, 1, 1, 1), mode="reflect" if min(image.shape[-2:]) > 1 else "replicate")
    return F.conv2d(padded, kernel.expand(channels, 1, 3, 3).contiguous(), groups=channels)


def masked_score(predict: Predict, noisy: torch.Tensor, offsets: tuple[tuple[int, int], ...] = OFFSETS) -> float:
    """Mean squared error (0-255 scale) between ``predict``'s output at hidden pixels and their noisy values.

    ``noisy``: one image ``(1, C, H, W)``, uint8 or float in [0, 255], at least 2x2 px. ``predict`` maps such
    an image to its denoised float version (it is run tiled, once per offset). Lower is better; only the
    difference between two denoisers on the same ``noisy`` means anything.
    """
    if not isinstance(noisy, torch.Tensor) or noisy.dim() != 4 or noisy.shape[0] != 1:
        shape = tuple(noisy.shape) if isinstance(noisy, torch.Tensor) else type(noisy).__name__
        raise ValueError(f"masked_score expects one image (1, C, H, W), got {shape}")
    if min(noisy.shape[-2:]) < 2:
        raise ValueError(f"masked_score needs an image of at least 2x2 px, got {tuple(noisy.shape[-2:])}")
    image = noisy.to(torch.float32)
    filled = neighbour_mean(image)
    total, count = 0.0, 0
    for row, column in offsets:
        hidden = torch.zeros(1, 1, *image.shape[-2:], dtype=torch.bool)
        hidden[..., row::GRID, column::GRID] = True
        if not hidden.any():
            continue
        output = denoise_tiled(predict, torch.where(hidden, filled, image))
        error = (output - image).square() * hidden
        total += float(error.sum())
        count += int(hidden.sum()) * image.shape[1]
    return total / count
