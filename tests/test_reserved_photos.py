"""The reserved-photo check: evaluation only, of the shipped models, on the packages' sample photos."""

from __future__ import annotations

import inspect

import pytest

from experiments import reserved_photos


def test_it_takes_no_checkpoint_so_it_cannot_select_models() -> None:
    parser_source = inspect.getsource(reserved_photos.main)
    assert "--checkpoint" not in parser_source and '"miniproject1"' in parser_source


def test_photos_are_exported_once_as_rgb_png(tmp_path) -> None:
    pytest.importorskip("skimage")
    pytest.importorskip("matplotlib")
    from n2n.data.images import read_image

    photos = reserved_photos.export_photos(tmp_path)
    assert [p.id for p in photos] == [*(f"skimage/{n}" for n in reserved_photos.SKIMAGE_PHOTOS), "matplotlib/grace_hopper"]
    for photo in photos:
        image = read_image(photo.path)
        assert image.shape[:2] == (1, 3) and min(image.shape[2:]) >= 256
    stamps = [p.path.stat().st_mtime_ns for p in photos]
    reserved_photos.export_photos(tmp_path)
    assert [p.path.stat().st_mtime_ns for p in photos] == stamps  # not rewritten
