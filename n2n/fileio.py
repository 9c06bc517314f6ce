"""Atomic file writes: a reader never sees a half-written file, and nothing is overwritten by accident.

Every file n2n writes goes through :func:`atomic_write`: the content is written to a temporary
file in the destination folder (same file system), flushed, then moved into place with
``os.replace``, which is atomic on POSIX and Windows.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable

import torch


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when ``a`` and ``b`` name the same file (any spelling, symlink or hard link)."""
    a, b = Path(a), Path(b)
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def check_not_input(path: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> None:
    """``ValueError`` when ``path`` is one of the command's ``inputs``: an output never replaces an input,
    ``--force`` or not (it may be the user's only copy)."""
    for source in inputs:
        if source is not None and is_same_file(path, source):
            raise ValueError(f"{path} is an input of this command; refusing to overwrite it, even with --force: "
                             "choose another output path")


def check_writable(path: str | os.PathLike, overwrite: bool = False, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Return ``path`` as a Path; ``FileExistsError`` if it exists and ``overwrite`` is False,
    ``ValueError`` if it is one of ``inputs`` (see :func:`check_not_input`)."""
    path = Path(path)
    check_not_input(path, inputs)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass --force to replace it")
    return path


def atomic_write(path: str | os.PathLike, write_fn: Callable[[BinaryIO], Any], overwrite: bool = False) -> Path:
    """Create ``path`` atomically: ``write_fn`` receives a binary file handle open on a temporary file.

    Creates missing parent folders. Raises ``FileExistsError`` (naming the file and the fix)
    when ``path`` exists and ``overwrite`` is False. On any error the temporary file is removed
    and ``path`` is left untouched. Returns ``path`` as a Path.
    """
    path = check_writable(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temp_name, 0o666 & ~_current_umask())  # mkstemp makes 0600 files; use the usual mode
        with os.fdopen(handle, "wb") as file:
            write_fn(file)
            file.flush()
            os.fsync(file.fileno())
        # Re-check just before the move: another process may have created the file meanwhile.
        check_writable(path, overwrite)
        os.replace(temp_name, path)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise
    return path


def atomic_torch_save(obj: Any, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """``torch.save(obj)`` to ``path`` atomically (see :func:`atomic_write`).

    Saving through a file handle (not a file name) keeps the bytes independent of the
    temporary file's random name, so the same object always gives the same file.
    """
    return atomic_write(path, lambda file: torch.save(obj, file), overwrite=overwrite)


def atomic_write_text(text: str, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda file: file.write(text.encode("utf-8")), overwrite=overwrite)


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 hex digest of the file at ``path``, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
