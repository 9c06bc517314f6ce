"""Clean 32x32 crops from photographs, like the course's downsampled images.

Each photo is downscaled with antialiasing (Pillow) so that its short side is one of
:data:`SHORT_SIDES`; a crop then shows a good part of an object or scene rather than a few
pixels of texture. Crops are drawn uniformly over all positions of all scaled images, flipped
horizontally at random, and near-flat ones (sky, bokeh, blank walls) are rejected.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image, ImageOps

from n2n.data.images import to_rgb
from n2n.data.photos import Photo

SHORT_SIDES = (128, 160, 192, 224, 256)
CROP_SIZE = 32
# Mean absolute difference between neighbouring pixels (0-255 scale, luminance) below which a
# crop counts as flat. Chosen by looking at crops: sky gradients and bokeh sit below ~1.5.
FLAT_THRESHOLD = 2.0


def load_scaled(photo: Photo, short_sides: Sequence[int] = SHORT_SIDES) -> list[torch.Tensor]:
    """The photo downscaled to each short side: a list of ``uint8 (3, H, W)`` tensors."""
    try:
        with Image.open(photo.path) as image:
            # JPEG draft mode decodes at 1/2, 1/4 or 1/8 scale directly, still above the largest target.
            smallest = min(image.size)
            image.draft("RGB", (image.size[0] * max(short_sides) * 2 // smallest, image.size[1] * max(short_sides) * 2 // smallest))
            image = to_rgb(ImageOps.exif_transpose(image), photo.path)
            image.load()
    except OSError as error:
        raise ValueError(f"{photo.path}: not a readable photo: {error}") from error
    width, height = image.size
    scaled = []
    for side in short_sides:
        if min(width, height) < side:
            continue  # never upscale
        factor = side / min(width, height)
        size = (max(side, round(width * factor)), max(side, round(height * factor)))
        resized = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        scaled.append(torch.from_numpy(np.asarray(resized, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous())
    if not scaled:
        raise ValueError(f"{photo.path}: {width}x{height} is smaller than the smallest working size {min(short_sides)}")
    return scaled


def luminance(crops: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` RGB (any dtype, [0, 255]) -> float32 ``(N, H, W)`` luma, ITU-R BT.601 weights."""
    return (crops.float() * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(dim=1)


def flatness(crops: torch.Tensor) -> torch.Tensor:
    """Mean absolute neighbour difference of the luminance of ``crops (N, 3, H, W)``; returns ``(N,)``."""
    luma = luminance(crops)
    dx = (luma[:, :, 1:] - luma[:, :, :-1]).abs().flatten(1).mean(dim=1)
    dy = (luma[:, 1:, :] - luma[:, :-1, :]).abs().flatten(1).mean(dim=1)
    return (dx + dy) / 2


def sample_crops(
    images: Sequence[torch.Tensor],
    count: int,
    generator: torch.Generator,
    size: int = CROP_SIZE,
    flat_threshold: float = FLAT_THRESHOLD,
) -> torch.Tensor:
    """``count`` random non-flat ``size x size`` crops from ``images`` (each ``uint8 (3, H, W)``).

    Every crop position of every image is equally likely. Returns ``uint8 (count, 3, size, size)``.
    Raises ``ValueError`` when the images hold too few non-flat crops.
    """
    heights = torch.tensor([image.shape[1] for image in images])
    widths = torch.tensor([image.shape[2] for image in images])
    positions = ((heights - size + 1).clamp(min=0) * (widths - size + 1).clamp(min=0)).double()
    if positions.sum() == 0:
        raise ValueError(f"no image is large enough for a {size}x{size} crop")
    kept: list[torch.Tensor] = []
    found, attempts = 0, 0
    while found < count:
        batch = max(1024, 2 * (count - found))
        attempts += batch
        if attempts > 20 * count + 10_000:
            raise ValueError(f"only {found} of {count} crops are not flat; use more or more detailed photos")
        choice = torch.multinomial(positions, batch, replacement=True, generator=generator)
        top = (torch.rand(batch, generator=generator) * (heights[choice] - size + 1)).long()
        left = (torch.rand(batch, generator=generator) * (widths[choice] - size + 1)).long()
        flip = torch.rand(batch, generator=generator) < 0.5
        crops = torch.stack(
            [images[i][:, y : y + size, x : x + size] for i, y, x in zip(choice.tolist(), top.tolist(), left.tolist())]
        )
        crops[flip] = crops[flip].flip(-1)
        crops = crops[flatness(crops) >= flat_threshold]
        kept.append(crops[: count - found])
        found += kept[-1].shape[0]
    return torch.cat(kept)
