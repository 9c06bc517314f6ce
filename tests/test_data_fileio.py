"""n2n.fileio: atomic writes that never overwrite by accident."""

from __future__ import annotations

import pytest
import torch

from n2n.fileio import atomic_torch_save, atomic_write, atomic_write_text


def test_atomic_write_creates_parents_and_content(tmp_path):
    path = atomic_write_text("hello", tmp_path / "sub" / "file.txt")
    assert path.read_text() == "hello"
    assert [p.name for p in path.parent.iterdir()] == ["file.txt"]  # no temporary file left behind


def test_existing_file_is_not_overwritten_without_overwrite(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("old")
    with pytest.raises(FileExistsError, match="file.txt.*--force"):
        atomic_write_text("new", path)
    assert path.read_text() == "old"
    atomic_write_text("new", path, overwrite=True)
    assert path.read_text() == "new"


def test_failed_write_leaves_target_and_no_temp_file(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"old")

    def failing(file):
        file.write(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, failing, overwrite=True)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.bin"]


def test_atomic_torch_save_is_byte_deterministic(tmp_path):
    data = (torch.arange(24, dtype=torch.uint8).view(1, 2, 3, 4), torch.zeros(2, 2))
    first = atomic_torch_save(data, tmp_path / "a.pkl")
    second = atomic_torch_save(data, tmp_path / "b.pkl")
    assert first.read_bytes() == second.read_bytes()
    loaded = torch.load(first, weights_only=True)
    assert torch.equal(loaded[0], data[0])
