"""Reading and writing single RGB images (PNG or JPEG) as ``uint8 (1, 3, H, W)`` tensors, with Pillow.

These serve training, evaluation and figures, which work in 8-bit RGB. ``n2n denoise`` and the Python API
read and write photos at their full precision, grey or colour, with their metadata:
:mod:`n2n.data.photo_files`.

Conversions on reading (documented, never silent failures):

- greyscale (``L``, ``1``) -> the grey value copied to the 3 channels;
- an alpha channel (``RGBA``, ``LA``, palette with transparency) -> dropped, the colour kept as is;
- 16-bit greyscale (``I;16``, ``I``) -> scaled to 8 bits (``round(v / 257)``, clipped), then as greyscale;
- palette and CMYK/YCbCr images -> converted to RGB by Pillow;
- the EXIF orientation of photos is applied.

Anything else (a non-image file, a float image, a missing file) raises a ``ValueError`` or
``FileNotFoundError`` naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from n2n.fileio import atomic_write

IMAGE_SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def to_rgb(image: Image.Image, source: str | os.PathLike = "image") -> Image.Image:
    """Convert a Pillow image to 8-bit ``RGB`` following the module's documented conversions."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        grey = np.asarray(image, dtype=np.float64) / 257.0
        return Image.fromarray(np.clip(np.round(grey), 0, 255).astype(np.uint8)).convert("RGB")
    if mode == "P":
        image = image.convert("RGBA") if "transparency" in image.info else image.convert("RGB")
        mode = image.mode
        if mode == "RGB":
            return image
    # Alpha is dropped: the stored colour is kept rather than composited on an arbitrary background.
    if mode in ("LA", "La"):
        return image.convert("L").convert("RGB")
    if mode in ("RGBA", "RGBa", "PA"):
        return image.convert("RGBA").convert("RGB")
    if mode in ("L", "1", "CMYK", "YCbCr", "LAB", "HSV"):
        return image.convert("RGB")
    raise ValueError(f"{source}: unsupported image mode {mode!r}; expected an 8-bit RGB, greyscale or 16-bit greyscale image")


def open_rgb(path: str | os.PathLike) -> Image.Image:
    """A PNG/JPEG (or any Pillow-readable) image as a loaded Pillow RGB image, EXIF orientation applied;
    ``FileNotFoundError``/``ValueError`` naming the file when it is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such image file")
    try:
        with Image.open(path) as image:
            rgb = to_rgb(ImageOps.exif_transpose(image), path)
            rgb.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"{path}: not a readable image (expected PNG or JPEG): {error}") from error
    return rgb


def downscale_to_short_side(image: Image.Image, short_side: int) -> Image.Image:
    """Lanczos-downscale ``image`` so that its short side is ``short_side``; one already that small is returned as is."""
    width, height = image.size
    if min(width, height) <= short_side:
        return image
    scale = short_side / min(width, height)
    size = (short_side, max(1, round(height * scale))) if width <= height else (max(1, round(width * scale)), short_side)
    return image.resize(size, Image.Resampling.LANCZOS)


def read_image(path: str | os.PathLike) -> torch.Tensor:
    """Read a PNG/JPEG (or any Pillow-readable) image as ``uint8 (1, 3, H, W)``."""
    array = np.asarray(open_rgb(path), dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).unsqueeze(0).contiguous()


def image_to_pil(image: torch.Tensor) -> Image.Image:
    """``(1, 3, H, W)`` or ``(3, H, W)`` uint8 or float in [0, 255] -> Pillow RGB (rounded, clipped)."""
    if not isinstance(image, torch.Tensor):
        raise ValueError(f"expected an image as a tensor of shape (1, 3, H, W) or (3, H, W), got {type(image).__name__}")
    if image.dim() == 4 and image.shape[0] == 1:
        image = image[0]
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError(f"expected an image of shape (1, 3, H, W) or (3, H, W), got {tuple(image.shape)}")
    if image.dtype != torch.uint8:
        if not image.is_floating_point():
            raise ValueError(f"expected an image of 8-bit integers (uint8) or floats, got {image.dtype}")
        image = image.detach().float().clamp(0, 255).round().to(torch.uint8)
    return Image.fromarray(image.detach().cpu().permute(1, 2, 0).contiguous().numpy(), "RGB")


def write_image(image: torch.Tensor, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write ``image`` (see :func:`image_to_pil`) as PNG or JPEG (quality 95), chosen by the suffix, atomically."""
    path = Path(path)
    file_format = IMAGE_SUFFIXES.get(path.suffix.lower())
    if file_format is None:
        raise ValueError(f"{path}: unsupported image suffix {path.suffix!r}; use .png, .jpg or .jpeg")
    pil = image_to_pil(image)
    options = {"quality": 95} if file_format == "JPEG" else {}
    return atomic_write(path, lambda file: pil.save(file, format=file_format, **options), overwrite=overwrite)


def most_textured_window(clean: torch.Tensor, size: int, stride: int) -> tuple[int, int]:
    """``(top, left)`` of the ``size``-pixel square of ``clean (1, C, H, W)``, on a ``stride``-pixel grid, whose
    channel mean has the largest standard deviation: where a denoiser's loss of detail shows best."""
    windows = torch.nn.functional.unfold(clean.float().mean(dim=1, keepdim=True), size, stride=stride)  # (1, size², positions)
    best = int(windows.std(dim=1).argmax())
    columns = (clean.shape[3] - size) // stride + 1
    return (best // columns) * stride, (best % columns) * stride
