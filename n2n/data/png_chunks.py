"""Metadata chunks added to an encoded PNG: colour profile, EXIF, XMP, Software, resolution.

Every PNG n2n writes is encoded without metadata (by Pillow, or by imagecodecs for 16-bit colour) and gets
its metadata here, so that PNGs of every bit depth carry the same chunks. They go right after the header
chunk (IHDR), before any palette or image data, as the PNG specification asks of iCCP and eXIf.
"""

from __future__ import annotations

import struct
import zlib

from n2n.data.photo_metadata import Metadata, software_name

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_METRES_PER_INCH = 0.0254


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def metadata_chunks(metadata: Metadata) -> bytes:
    """The chunks that carry ``metadata`` (prepared by :func:`n2n.data.photo_metadata.for_output`), concatenated."""
    chunks = [chunk(b"tEXt", b"Software\0" + software_name().encode("latin-1"))]
    if metadata.icc is not None:
        chunks.append(chunk(b"iCCP", b"ICC profile\0\0" + zlib.compress(metadata.icc)))
    if len(metadata.exif):
        exif = metadata.exif.tobytes()
        chunks.append(chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif))
    if metadata.xmp is not None:
        # keyword, null, compression flag 0, method 0, empty language tag and translated keyword, then UTF-8 text
        chunks.append(chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + metadata.xmp))
    if metadata.dpi is not None:
        x, y = (max(1, round(value / _METRES_PER_INCH)) for value in metadata.dpi)
        chunks.append(chunk(b"pHYs", struct.pack(">IIB", x, y, 1)))
    return b"".join(chunks)


def with_metadata(png: bytes, metadata: Metadata) -> bytes:
    """``png`` (a complete PNG file without metadata chunks) with those of ``metadata`` inserted after IHDR."""
    if not png.startswith(SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG file (the encoder's output should start with the PNG signature and IHDR)")
    header_end = len(SIGNATURE) + 8 + struct.unpack(">I", png[8:12])[0] + 4
    return png[:header_end] + metadata_chunks(metadata) + png[header_end:]
