"""A photo's metadata as ``n2n denoise`` carries it from input to output: colour profile, EXIF, XMP, resolution.

Read with Pillow from the opened file (:func:`read_metadata`), made ready for the denoised output by
:func:`for_output`: the EXIF orientation, applied to the pixels once when the file is read, is reset to 1
(in the EXIF and in the XMP, so that no viewer turns the photo a second time), and the EXIF Software tag
names n2n. The ICC profile is written only where it describes the output's colour space
(:func:`profile_fits`): an RGB profile on RGB pixels, a grey profile on grey ones.

A TIFF file's first directory holds the image structure (size, strips, compression) next to its
descriptive tags; only the descriptive ones (:data:`TIFF_DESCRIPTIVE_TAGS`) and the EXIF and GPS
sub-directories are carried, since the writer sets the structure anew.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from PIL import Image

ORIENTATION = 0x0112
SOFTWARE = 0x0131
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
INTEROP_IFD = 0xA005
# ImageDescription, Make, Model, Orientation, Software, DateTime, Artist, HostComputer, Copyright, and the
# pointers to the EXIF and GPS sub-directories.
TIFF_DESCRIPTIVE_TAGS = frozenset({0x010E, 0x010F, 0x0110, ORIENTATION, SOFTWARE, 0x0132, 0x013B, 0x013C, 0x8298,
                                   EXIF_IFD, GPS_IFD})
# tiff:Orientation as an XMP attribute (tiff:Orientation="6") or element (<tiff:Orientation>6</...>).
_XMP_ORIENTATION = re.compile(rb'(tiff:Orientation(?:="|>))\s*[1-8]')


def software_name() -> str:
    """``"n2n <version>"``, the Software tag of every file n2n writes."""
    from n2n import __version__

    return f"n2n {__version__}"


@dataclass
class Metadata:
    """What a photo carries besides its pixels.

    ``icc``: the ICC colour profile (bytes) or ``None``; ``exif``: the EXIF tags (a Pillow ``Image.Exif``, empty
    when the file had none); ``xmp``: the XMP packet (bytes) or ``None``; ``dpi``: the (x, y) resolution in
    dots per inch or ``None``.
    """

    icc: bytes | None = None
    exif: Image.Exif = field(default_factory=Image.Exif)
    xmp: bytes | None = None
    dpi: tuple[float, float] | None = None

    @property
    def orientation(self) -> int:
        """The EXIF orientation (1 to 8; 1, upright, when absent or invalid)."""
        value = self.exif.get(ORIENTATION, 1)
        return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes):
        return value or None
    if isinstance(value, str):
        return value.encode("utf-8") or None
    return None


def read_metadata(image: Image.Image) -> Metadata:
    """The metadata of an opened Pillow image (nothing is decoded but the tags)."""
    exif = image.getexif()
    exif = descriptive_exif(exif) if image.format == "TIFF" else copy_exif(exif)
    dpi = image.info.get("dpi")
    dpi = (float(dpi[0]), float(dpi[1])) if isinstance(dpi, tuple) and len(dpi) == 2 and min(dpi) > 0 else None
    return Metadata(icc=_as_bytes(image.info.get("icc_profile")), exif=exif, xmp=_as_bytes(image.info.get("xmp")), dpi=dpi)


def sub_directory(exif: Image.Exif, tag: int) -> dict:
    """The EXIF or GPS sub-directory of ``exif`` as a dict (empty when absent), whether read from a file or set by
    :func:`copy_exif`; the EXIF one with its Interop sub-directory resolved as well."""
    value = exif.get(tag)
    directory = dict(value) if isinstance(value, dict) else dict(exif.get_ifd(tag))
    if tag == EXIF_IFD and INTEROP_IFD in directory and not isinstance(directory[INTEROP_IFD], dict):
        directory[INTEROP_IFD] = dict(exif.get_ifd(INTEROP_IFD))
    return directory


def copy_exif(exif: Image.Exif, tags: frozenset[int] | None = None) -> Image.Exif:
    """A copy of ``exif`` (only ``tags`` of its first directory, all for ``None``) whose sub-directories are plain
    dicts: offsets into the source file mean nothing in another one."""
    copied = Image.Exif()
    for tag in exif:
        if tags is None or tag in tags:
            copied[tag] = sub_directory(exif, tag) if tag in (EXIF_IFD, GPS_IFD) else exif[tag]
    return copied


def descriptive_exif(tags: Image.Exif) -> Image.Exif:
    """A copy of a TIFF directory's ``tags`` keeping :data:`TIFF_DESCRIPTIVE_TAGS` and the EXIF and GPS sub-directories."""
    return copy_exif(tags, TIFF_DESCRIPTIVE_TAGS)


def exif_from_tiff_bytes(data: bytes) -> Image.Exif:
    """The descriptive tags of a TIFF file's first directory, read from the file's bytes (for TIFFs Pillow cannot open):
    a TIFF file has the layout of an EXIF block, offsets counted from its start."""
    exif = Image.Exif()
    try:
        exif.load(data)
    except (SyntaxError, ValueError, OSError, KeyError, TypeError):  # Pillow's errors for a malformed directory
        return Image.Exif()
    return descriptive_exif(exif)


def upright_xmp(xmp: bytes | None) -> bytes | None:
    """``xmp`` with any ``tiff:Orientation`` set to 1 (upright)."""
    return None if xmp is None else _XMP_ORIENTATION.sub(rb"\g<1>1", xmp)


def for_output(metadata: Metadata) -> Metadata:
    """The metadata to write with the denoised pixels: orientation 1 (the pixels are upright), Software n2n."""
    exif = copy_exif(metadata.exif)
    if ORIENTATION in exif:
        exif[ORIENTATION] = 1
    exif[SOFTWARE] = software_name()
    return replace(metadata, exif=exif, xmp=upright_xmp(metadata.xmp))


def profile_colour_space(icc: bytes | None) -> str | None:
    """The data colour space an ICC profile describes (``"RGB"``, ``"GRAY"``, ``"CMYK"``, ...), read from its header."""
    if icc is None or len(icc) < 20:
        return None
    return icc[16:20].decode("ascii", "replace").strip()


def profile_fits(icc: bytes | None, channels: int) -> bool:
    """Whether ``icc`` describes pixels with ``channels`` channels (1 or 2: grey; 3 or 4: RGB; alpha not counted)."""
    return profile_colour_space(icc) == ("GRAY" if channels in (1, 2) else "RGB")
