"""What ``n2n serve`` accepts, and the messages its page shows for what it does not.

The defaults fit the development machine (2 cores, 24 GB): one server job (read, denoise, write, previews)
peaked at 68 bytes per pixel over a fixed 0.58 GB (``results/serve/choice.json``), so a photo at the default
:data:`MAX_MEGAPIXELS` needs about 7.4 GB, under a third of the machine, beside whatever else runs there; the
file-size limit lets such a photo through as an uncompressed 16-bit colour TIFF (600 MB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from n2n.data.photo_files import PHOTO_FORMATS, TIFF_MAGIC
from n2n.units import format_bytes, millions

BYTES_PER_PIXEL = 70  # peak memory of one server job per pixel, rounded up (module docstring)
MAX_MEGAPIXELS = 100.0  # a 100-megapixel medium-format camera's photo
MAX_UPLOAD_MB = 1000.0
MAX_WAITING = 20
KEEP_MINUTES = 60.0
READABLE = "PNG, TIFF, JPEG or WebP"


@dataclass(frozen=True)
class Limits:
    """``max_upload_bytes`` per file; ``max_megapixels`` per photo; ``max_waiting`` photos waiting in the queue;
    ``keep_seconds``: how long a finished photo's result stays downloadable."""

    max_upload_bytes: int = int(MAX_UPLOAD_MB * 1e6)
    max_megapixels: float = MAX_MEGAPIXELS
    max_waiting: int = MAX_WAITING
    keep_seconds: float = KEEP_MINUTES * 60

    def __post_init__(self) -> None:
        if self.max_upload_bytes < 1 or self.max_megapixels <= 0 or self.max_waiting < 1 or self.keep_seconds <= 0:
            raise ValueError(f"every limit must be positive, got {self}")


class Rejected(ValueError):
    """An upload the server does not take; ``status`` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def safe_name(name: str) -> str:
    """``name`` as a plain file name (no folders, no control or shell characters, at most 100 characters) that keeps
    its suffix; ``Rejected`` unless the suffix is one n2n reads."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in PHOTO_FORMATS:
        raise Rejected(f"{base or 'the file'}: n2n denoises {READABLE} files ({', '.join(PHOTO_FORMATS)})", 415)
    stem = re.sub(r"[^\w.\- ]", "_", stem).strip(". ")[:90] or "photo"
    return f"{stem}.{suffix.lower()}"


def check_upload_size(name: str, size: int, limits: Limits) -> None:
    """``Rejected`` (413) for a file over the size limit."""
    if size > limits.max_upload_bytes:
        raise Rejected(f"{name}: {format_bytes(size)} is over this server's limit of {format_bytes(limits.max_upload_bytes)} "
                       "per file (n2n serve --max-upload-mb raises it)", 413)


def photo_size(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` from the file's header, without decoding it; ``None`` for a TIFF that only the
    ``formats`` extra reads (its reader then says what it needs). ``Rejected`` for a file that is no image."""
    try:
        with Image.open(path) as image:
            return image.size
    except Image.DecompressionBombError as error:
        raise Rejected(f"{path.name}: far over this server's megapixel limit ({error})", 413) from None
    except UnidentifiedImageError:
        with path.open("rb") as file:
            if file.read(4) in TIFF_MAGIC:
                return None
    except OSError:
        pass
    raise Rejected(f"{path.name}: not an image n2n can read; it reads {READABLE} files", 415)


def check_photo(path: Path, limits: Limits) -> tuple[int, int] | None:
    """The photo's ``(width, height)`` (see :func:`photo_size`); ``Rejected`` (413) over the megapixel limit."""
    size = photo_size(path)
    if size is not None:
        megapixels = size[0] * size[1] / 1e6
        if megapixels > limits.max_megapixels:
            raise Rejected(f"{path.name}: {size[0]} x {size[1]} pixels ({millions(size[0] * size[1])} megapixels) is over this server's "
                           f"limit of {limits.max_megapixels:g} megapixels (n2n serve --max-megapixels raises it; a "
                           f"denoising needs about {BYTES_PER_PIXEL} MB of memory per megapixel)", 413)
    return size
