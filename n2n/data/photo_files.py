"""Photo files in and out at their full precision: PNG, TIFF, JPEG and WebP; 8 and 16 bits, float TIFF; grey or RGB.

:func:`read_photo` gives the pixels as a NumPy array ``(H, W, C)`` in the file's own type (uint8, uint16 or
float32 in [0, 1]), upright (the EXIF orientation applied once), with the metadata to write back
(:mod:`n2n.data.photo_metadata`); :func:`write_photo` writes such an array in the format of the path's
suffix with that metadata. ``C`` is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGB + alpha).

Pillow, a core dependency, reads what it holds natively (8-bit grey and colour in every format, 16-bit grey
PNG and TIFF, float32 grey TIFF) and the metadata of every file it opens, and writes PNG, JPEG and WebP; TIFF
of every sample type is written by :mod:`n2n.data.tiff_writer`. 16-bit colour PNG (which Pillow reads as
8-bit and cannot write) needs the ``formats`` extra's imagecodecs, reading a 16-bit or float colour TIFF its
tifffile (which also gives the metadata of a float TIFF Pillow cannot open).

Conversions on reading: a palette image becomes RGB (RGBA with transparency), 1-bit becomes 8-bit grey,
CMYK and other colour spaces become RGB; a multi-page or animated file gives its first image.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from n2n.data.photo_metadata import Metadata, exif_from_tiff_bytes, for_output, profile_fits, read_metadata
from n2n.extras import require
from n2n.fileio import atomic_write

PHOTO_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WEBP"}
EIGHT_BIT_FORMATS = ("JPEG", "WEBP")
TIFF_MAGIC = (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")
# Pillow's Image.transpose methods for EXIF orientations 2-8, as NumPy operations on (H, W, C) arrays.
_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, 1)[:, ::-1],
    8: lambda a: np.rot90(a, 1),
}


@dataclass
class Photo:
    """A photo read by :func:`read_photo`.

    ``pixels``: ``(H, W, C)`` uint8, uint16 or float32 (in [0, 1]), upright; ``metadata``: ready to write with
    the denoised pixels (orientation 1, Software n2n); ``file_format``: ``"PNG"``, ``"JPEG"``, ``"TIFF"``, ...;
    ``orientation``: the EXIF orientation that was applied (1: none).
    """

    pixels: np.ndarray
    metadata: Metadata
    file_format: str
    orientation: int = 1


def file_format(path: str | os.PathLike) -> str:
    """The format written for ``path``'s suffix; ``ValueError`` listing the suffixes for any other."""
    suffix = Path(path).suffix.lower()
    if suffix not in PHOTO_FORMATS:
        raise ValueError(f"{path}: unsupported image suffix {suffix!r}; use one of {', '.join(PHOTO_FORMATS)}")
    return PHOTO_FORMATS[suffix]


def upright(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """``pixels`` ``(H, W, C)`` turned and flipped as EXIF ``orientation`` (1-8) says, so that they display upright."""
    return np.ascontiguousarray(_ORIENT[orientation](pixels)) if orientation in _ORIENT else pixels


def _png_header(path: Path) -> tuple[int, int]:
    """(bit depth, colour type) from a PNG's IHDR chunk."""
    with path.open("rb") as file:
        head = file.read(26)
    return head[24], head[25]


def _tag_tuple(value: object) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _pillow_has_full_precision(image: Image.Image, path: Path) -> bool:
    """Whether Pillow decodes ``image`` without losing bits (16-bit colour PNGs and TIFFs, float colour TIFFs: not)."""
    if image.format == "PNG":
        depth, colour_type = _png_header(path)
        return depth <= 8 or colour_type == 0  # 16-bit grey opens as I;16, 16-bit colour as 8-bit RGB
    if image.format == "TIFF":
        bits = _tag_tuple(image.tag_v2.get(258, 1))
        sample_format = set(_tag_tuple(image.tag_v2.get(339, 1)))
        if set(bits) <= {1, 8} and sample_format == {1}:
            return True
        return len(bits) == 1 and ((bits[0] == 16 and image.mode.startswith("I;16"))
                                   or (bits[0] == 32 and sample_format == {3} and image.mode == "F"))
    return True


def _pillow_pixels(image: Image.Image, path: Path) -> np.ndarray:
    """The decoded pixels of a Pillow image as ``(H, W, C)`` uint8, uint16 or float32."""
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "1":
        image = image.convert("L")
    elif mode in ("RGBa", "RGBX"):
        image = image.convert("RGBA" if mode == "RGBa" else "RGB")
    elif mode in ("La", "PA"):
        image = image.convert("LA")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        image = image.convert("RGB")
    mode = image.mode
    if mode.startswith("I;16"):
        array = np.asarray(image).astype(np.uint16)
    elif mode == "I":
        array = np.asarray(image)
        if array.size and (array.min() < 0 or array.max() > 65535):
            raise ValueError(f"{path}: 32-bit integer pixels outside [0, 65535]; save the image as 16-bit")
        array = array.astype(np.uint16)
    elif mode == "F":
        array = np.asarray(image, dtype=np.float32)
    elif mode in ("L", "LA", "RGB", "RGBA"):
        array = np.asarray(image, dtype=np.uint8)
    else:
        raise ValueError(f"{path}: unsupported image mode {mode!r}")
    return array[..., None] if array.ndim == 2 else array


def _tifffile_pixels(path: Path) -> tuple[np.ndarray, Metadata | None]:
    """The first image of a TIFF via tifffile, ``(H, W, C)``; with its metadata when Pillow cannot open the file."""
    require("formats", f"reading {path} (a 16-bit or floating-point colour TIFF)")
    import tifffile

    try:
        with tifffile.TiffFile(path) as tiff:
            page = tiff.pages[0]
            array, axes = page.asarray(), page.axes
            photometric = int(page.photometric)
            icc, xmp = (page.tags.get(tag) for tag in (34675, 700))
            icc, xmp = (bytes(tag.value) if tag is not None else None for tag in (icc, xmp))
            dpi = _tifffile_dpi(page)
    except (tifffile.TiffFileError, ValueError, OSError) as error:
        raise ValueError(f"{path}: not a readable TIFF: {error}") from error
    if photometric not in (1, 2):  # MINISBLACK, RGB
        raise ValueError(f"{path}: TIFF colour space {tifffile.PHOTOMETRIC(photometric).name} not supported "
                         "at more than 8 bits; save it as grey or RGB")
    if axes.startswith("S") and array.ndim == 3:  # planar: one plane per channel
        array = np.moveaxis(array, 0, -1)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"{path}: a TIFF image of shape {array.shape} (axes {axes}) is not a 2-D photo")
    if array.dtype.kind == "f":
        array = array.astype(np.float32)
    elif array.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"{path}: TIFF samples of type {array.dtype} not supported; use 8 or 16-bit unsigned "
                         "integers or floats in [0, 1]")
    metadata = Metadata(icc=icc, exif=exif_from_tiff_bytes(path.read_bytes()), xmp=xmp, dpi=dpi)
    return np.ascontiguousarray(array), metadata


def _tifffile_dpi(page) -> tuple[float, float] | None:
    """The resolution in dots per inch of a tifffile page, ``None`` unless given in inches."""
    tags = [page.tags.get(tag) for tag in (282, 283, 296)]
    if any(tag is None for tag in tags) or int(tags[2].value) != 2:
        return None
    (x_num, x_den), (y_num, y_den) = tags[0].value, tags[1].value
    return (x_num / x_den, y_num / y_den) if x_den and y_den and x_num and y_num else None


def read_photo(path: str | os.PathLike) -> Photo:
    """Read a PNG, JPEG, TIFF or WebP file at its full precision (see the module docstring).

    ``FileNotFoundError`` for a missing file, ``ValueError`` for a file that is no image n2n can read, and
    :class:`n2n.extras.MissingExtra` for one that needs the ``formats`` extra."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such image file")
    metadata = None
    try:
        with Image.open(path) as image:
            metadata, kind = read_metadata(image), image.format
            if not _pillow_has_full_precision(image, path):
                pixels = _extra_pixels(path, kind)
            else:
                image.load()
                pixels = _pillow_pixels(image, path)
    except UnidentifiedImageError:
        with path.open("rb") as file:
            if file.read(4) not in TIFF_MAGIC:
                raise ValueError(f"{path}: not an image n2n can read (PNG, JPEG, TIFF or WebP)") from None
        kind = "TIFF"
        pixels, metadata = _tifffile_pixels(path)
    except (OSError, SyntaxError) as error:
        raise ValueError(f"{path}: not a readable image: {error}") from error
    orientation = metadata.orientation
    return Photo(upright(pixels, orientation), for_output(metadata), kind, orientation)


def _extra_pixels(path: Path, kind: str) -> np.ndarray:
    if kind == "PNG":
        require("formats", f"reading {path} (a 16-bit colour PNG) at 16 bits")
        import imagecodecs

        return imagecodecs.png_decode(path.read_bytes())
    return _tifffile_pixels(path)[0]


def output_dtype(input_dtype: np.dtype, kind: str, bit_depth: int | None = None) -> tuple[np.dtype, str | None]:
    """The sample type written for pixels of ``input_dtype`` in format ``kind`` (``--bit-depth``: 8, 16 or ``None``:
    as the input where the format holds it), and a note when the format changed it."""
    input_dtype = np.dtype(input_dtype)
    if bit_depth not in (None, 8, 16):
        raise ValueError(f"--bit-depth must be 8 or 16, got {bit_depth}")
    if bit_depth == 16 and kind in EIGHT_BIT_FORMATS:
        raise ValueError(f"{kind} holds 8 bits per channel; for 16 bits write a .png or .tif file")
    if bit_depth is not None:
        return np.dtype(np.uint8 if bit_depth == 8 else np.uint16), None
    if kind in EIGHT_BIT_FORMATS:
        note = None if input_dtype == np.uint8 else f"{kind} holds 8 bits per channel: written 8-bit"
        return np.dtype(np.uint8), note
    if input_dtype.kind == "f":
        if kind == "TIFF":
            return np.dtype(np.float32), None
        return np.dtype(np.uint16), f"{kind} has no floating-point samples: written 16-bit"
    return input_dtype, None


def fit_channels(pixels: np.ndarray, kind: str) -> tuple[np.ndarray, str | None]:
    """``pixels`` ``(H, W, C)`` with the channels format ``kind`` holds (JPEG: no alpha; WebP: colour), and a note."""
    channels = pixels.shape[2]
    if kind == "JPEG" and channels in (2, 4):
        return pixels[..., : channels - 1], "JPEG has no alpha channel: transparency dropped"
    if kind == "WEBP" and channels in (1, 2):
        colour = np.repeat(pixels[..., :1], 3, axis=2)
        return (np.concatenate([colour, pixels[..., 1:]], axis=2) if channels == 2 else colour), \
            "WebP has no grey mode: written as RGB"
    return pixels, None


_PILLOW_MODES = {(np.dtype(np.uint8), 1): "L", (np.dtype(np.uint8), 2): "LA", (np.dtype(np.uint8), 3): "RGB",
                 (np.dtype(np.uint8), 4): "RGBA", (np.dtype(np.uint16), 1): "I;16", (np.dtype(np.float32), 1): "F"}


def _pillow_image(pixels: np.ndarray) -> Image.Image:
    image = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
    if image.mode != _PILLOW_MODES[(pixels.dtype, pixels.shape[2])]:
        raise ValueError(f"Pillow made a {image.mode} image of {pixels.dtype} pixels {pixels.shape}")
    return image


def _encode_png(pixels: np.ndarray, metadata: Metadata) -> bytes:
    from n2n.data.png_chunks import with_metadata

    if pixels.dtype == np.float32:
        raise ValueError("PNG holds 8 or 16-bit integers; convert float pixels first")
    if (pixels.dtype, pixels.shape[2]) in _PILLOW_MODES:
        buffer = io.BytesIO()
        _pillow_image(pixels).save(buffer, format="PNG")
        encoded = buffer.getvalue()
    else:
        require("formats", "writing a 16-bit colour PNG")
        import imagecodecs

        encoded = imagecodecs.png_encode(pixels if pixels.shape[2] > 1 else pixels[..., 0])
    return with_metadata(encoded, metadata)


def _encode_pillow(pixels: np.ndarray, metadata: Metadata, kind: str, quality: int) -> bytes:
    if pixels.dtype != np.uint8:
        raise ValueError(f"{kind} holds 8 bits per channel; convert the pixels to uint8 first")
    options = {"quality": quality, "exif": metadata.exif, "icc_profile": metadata.icc}
    if metadata.xmp is not None:
        options["xmp"] = metadata.xmp
    if kind == "JPEG":
        options["subsampling"] = 0  # 4:4:4: denoised colour edges keep their full resolution
        if metadata.dpi:
            options["dpi"] = metadata.dpi
    buffer = io.BytesIO()
    _pillow_image(pixels).save(buffer, format=kind, **options)
    return buffer.getvalue()


def encode_photo(pixels: np.ndarray, kind: str, metadata: Metadata | None = None, jpeg_quality: int = 95) -> bytes:
    """The bytes of a ``kind`` file (``"PNG"``, ``"TIFF"``, ``"JPEG"``, ``"WEBP"``) holding ``pixels`` ``(H, W, C)`` and
    ``metadata`` (an ICC profile for another colour space than the pixels' is left out)."""
    metadata = metadata if metadata is not None else for_output(Metadata())
    if pixels.ndim != 3 or pixels.shape[2] not in (1, 2, 3, 4):
        raise ValueError(f"expected pixels (H, W, C) with C in 1-4, got shape {pixels.shape}")
    pixels = np.ascontiguousarray(pixels)
    if not profile_fits(metadata.icc, pixels.shape[2]):
        metadata = replace(metadata, icc=None)
    if kind == "PNG":
        return _encode_png(pixels, metadata)
    if kind == "TIFF":
        from n2n.data.tiff_writer import encode_tiff

        return encode_tiff(pixels, metadata)
    if kind in EIGHT_BIT_FORMATS:
        if not 1 <= jpeg_quality <= 100:
            raise ValueError(f"the JPEG/WebP quality must be from 1 to 100, got {jpeg_quality}")
        return _encode_pillow(pixels, metadata, kind, jpeg_quality)
    raise ValueError(f"unknown format {kind!r}; known: PNG, TIFF, JPEG, WEBP")


def write_photo(pixels: np.ndarray, path: str | os.PathLike, metadata: Metadata | None = None, *,
                jpeg_quality: int = 95, overwrite: bool = False) -> Path:
    """Write ``pixels`` ``(H, W, C)`` (uint8, uint16 or float32, as the format holds them: see :func:`output_dtype`
    and :func:`fit_channels`) to ``path`` in the format of its suffix, with ``metadata``, atomically."""
    data = encode_photo(pixels, file_format(path), metadata, jpeg_quality)
    return atomic_write(path, lambda file: file.write(data), overwrite=overwrite)
