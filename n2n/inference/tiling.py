"""Denoise large images tile by tile with smoothly blended overlaps, so memory stays bounded.

Model-agnostic: it takes any ``predict``-like callable mapping a float ``(1, C, h, w)`` tensor in
[0, 255] to a float ``(1, C, h, w)`` tensor. Near a tile's inner edges the network sees padding
instead of the neighbouring pixels, so each inner border first drops ``overlap // 4`` pixels
(weight ~0) and then fades in with a raised cosine; two neighbouring tiles' weights add up to 1
across the overlap, which hides the seams.
"""

from __future__ import annotations

import math
from typing import Callable, Iterator

import torch

from n2n.progress import bar

Predict = Callable[[torch.Tensor], torch.Tensor]
_FLOOR = 1e-6  # keeps every weight positive, so each pixel has a defined (weighted) value


def _starts(length: int, tile: int, step: int) -> list[int]:
    """Tile start offsets covering ``[0, length)``; the last tile is flush with the end."""
    if length <= tile:
        return [0]
    count = math.ceil((length - tile) / step) + 1
    return sorted({min(i * step, length - tile) for i in range(count)})


def _ramp(length: int, overlap: int, fade_start: bool, fade_end: bool) -> torch.Tensor:
    """``(length,)`` weights: 1 in the middle, fading to ~0 over ``overlap`` pixels at the faded ends."""
    weights = torch.ones(length, dtype=torch.float32)
    if overlap <= 0:
        return weights
    dropped = overlap // 4
    fade = max(1, overlap - 2 * dropped)
    position = torch.arange(overlap, dtype=torch.float32)
    # 0 for the dropped pixels, then a raised cosine; profile(d) + profile(overlap - 1 - d) == 1.
    t = ((position - dropped + 0.5) / fade).clamp(0.0, 1.0)
    profile = (0.5 - 0.5 * torch.cos(math.pi * t)).clamp_min(_FLOOR)
    n = min(overlap, length)
    if fade_start:
        weights[:n] = torch.minimum(weights[:n], profile[:n])
    if fade_end:
        weights[-n:] = torch.minimum(weights[-n:], profile[:n].flip(0))
    return weights


def tiles(height: int, width: int, tile: int, overlap: int) -> Iterator[tuple[int, int, int, int]]:
    """Yield ``(top, left, h, w)`` of the tiles covering a ``height x width`` image."""
    step = tile - overlap
    for top in _starts(height, tile, step):
        for left in _starts(width, tile, step):
            yield top, left, min(tile, height - top), min(tile, width - left)


def denoise_tiled(predict: Predict, image: torch.Tensor, tile: int = 512, overlap: int = 64, desc: str | None = None) -> torch.Tensor:
    """Apply ``predict`` to ``image`` ``(1, C, H, W)`` (uint8 or float in [0, 255]) in overlapping tiles.

    Returns float32 ``(1, C, H, W)``. Peak memory: the output and weight accumulators (5 floats per
    pixel for C=3) plus one tile's worth of network activations. ``desc``: label of the progress bar
    over tiles (shown on a terminal when there are several tiles; see :mod:`n2n.progress`).
    """
    if image.dim() != 4 or image.shape[0] != 1:
        raise ValueError(f"denoise_tiled expects one image (1, C, H, W), got shape {tuple(image.shape)}")
    if not 0 <= overlap < tile:
        raise ValueError(f"the tile overlap must be at least 0 px and smaller than the tile, got {tile} px tiles "
                         f"overlapping by {overlap} px; use e.g. --tile 512 --overlap 64")
    _, channels, height, width = image.shape
    if height <= tile and width <= tile:
        return predict(image.to(torch.float32)).to(torch.float32)
    total = torch.zeros(1, channels, height, width, dtype=torch.float32)
    weight = torch.zeros(1, 1, height, width, dtype=torch.float32)
    boxes = list(tiles(height, width, tile, overlap))
    for top, left, h, w in bar(boxes, desc=desc or "tiles", unit="tile", leave=False):
        patch = image[:, :, top : top + h, left : left + w].to(torch.float32)
        result = predict(patch).to(torch.float32)
        window = _ramp(h, overlap, top > 0, top + h < height)[:, None] * _ramp(w, overlap, left > 0, left + w < width)[None, :]
        total[:, :, top : top + h, left : left + w] += result * window
        weight[:, :, top : top + h, left : left + w] += window
    return total.div_(weight)
