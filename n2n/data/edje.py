"""The photographs inside Enlightenment's ``.edj`` wallpapers, read without any EFL tool.

An ``.edj`` file is an Eet archive (magic ``0x1ee70f42``): a directory of named entries, each
stored raw or compressed. Enlightenment's photographic backgrounds keep their pictures as plain
JPEG files, one per screen resolution, in uncompressed ``edje/images/N`` entries; the largest one
is the original photograph. :func:`largest_jpeg` returns its bytes unchanged, so the extracted
file is the same on every machine.
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
from pathlib import Path

from PIL import Image

EET_MAGIC = 0x1EE70F42
_HEADER = struct.Struct(">III")  # magic, directory entries, dictionary entries
_ENTRY = struct.Struct(">6i")  # data offset, stored size, data size, name offset, name size, flags
_COMPRESSED, _CIPHERED, _ALIAS = 0x1, 0x2, 0x4


def eet_entries(data: bytes) -> dict[str, tuple[int, bytes]]:
    """``{name: (flags, stored bytes)}`` of an Eet archive; compressed entries are returned as stored."""
    if len(data) < _HEADER.size or _HEADER.unpack_from(data)[0] != EET_MAGIC:
        raise ValueError("not an Eet archive (bad magic)")
    _, count, _ = _HEADER.unpack_from(data)
    if _HEADER.size + count * _ENTRY.size > len(data):
        raise ValueError("truncated Eet directory")
    entries = {}
    for k in range(count):
        offset, size, _, name_offset, name_size, flags = _ENTRY.unpack_from(data, _HEADER.size + k * _ENTRY.size)
        if min(offset, size, name_offset, name_size) < 0 or offset + size > len(data) or name_offset + name_size > len(data):
            raise ValueError(f"Eet entry {k} points outside the file")
        name = data[name_offset:name_offset + name_size].split(b"\0", 1)[0].decode("utf-8", "replace")
        entries[name] = (flags, data[offset:offset + size])
    return entries


def largest_jpeg(path: str | os.PathLike) -> bytes:
    """The bytes of the largest (most pixels) JPEG stored raw among the ``edje/images/*`` entries of ``path``."""
    best: tuple[int, int, bytes] | None = None
    for name, (flags, payload) in eet_entries(Path(path).read_bytes()).items():
        if not name.startswith("edje/images/") or flags & (_COMPRESSED | _CIPHERED | _ALIAS):
            continue
        if not payload.startswith(b"\xff\xd8\xff"):
            continue  # lossless or ETC-coded images: not the photograph
        with Image.open(io.BytesIO(payload)) as image:
            width, height = image.size
        key = (width * height, len(payload), payload)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        raise ValueError(f"{path}: no raw JPEG image in this .edj file")
    return best[2]


def extract_largest_jpeg(edj: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Write :func:`largest_jpeg` of ``edj`` to ``target`` (atomically) unless it is already there."""
    target = Path(target)
    if not target.is_file():
        payload = largest_jpeg(edj)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    return target
