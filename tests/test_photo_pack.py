"""``n2n data pack-photos``: a downscaled copy of the default pool that loads as the pool does."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from test_data_build import eet_archive

from n2n.cli import main
from n2n.data.photo_pack import pack_default_photos
from n2n.data.photos import DEFAULT_PHOTOS, VALIDATION_PHOTOS, default_photos, training_photos, validation_photos


def image_bytes(width: int, height: int, file_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 90, 30)).save(buffer, file_format)
    return buffer.getvalue()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A fake photo cache: every default photo a real image (640x480, or 200x150 to test 'never upscale')."""
    root = tmp_path / "cache"
    for package, files in DEFAULT_PHOTOS.items():
        (root / package).mkdir(parents=True)
        (root / package / "VERSION").write_text(f"{package}_1.0_all.deb\n")
        for k, file in enumerate(files):
            path = root / package / file
            path.parent.mkdir(parents=True, exist_ok=True)
            size = (200, 150) if k == 0 else (640, 480)
            if file.endswith(".edj"):
                path.write_bytes(eet_archive({"edje/images/0": image_bytes(*size, "JPEG")}))
            else:
                path.write_bytes(image_bytes(*size, "PNG" if file.endswith(".png") else "JPEG"))
    return root


def test_a_pack_loads_as_the_pool_with_smaller_photos(cache: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    written = pack_default_photos(pack, short_side=240, cache=cache)
    full, packed = default_photos(cache, fetch=False)[0], default_photos(pack, fetch=False)[0]
    assert [p.id for p in packed] == [p.id for p in full] and len(written) == len(full)
    assert [p.id for p in validation_photos(pack, fetch=False)] == sorted(VALIDATION_PHOTOS)
    assert [p.id for p in training_photos(pack, fetch=False)] == [p.id for p in training_photos(cache, fetch=False)]
    sizes = {Image.open(p.path).size for p in packed}
    assert sizes == {(320, 240), (200, 150)}  # downscaled to the short side, never upscaled
    assert not list(pack.rglob("*.edj")) and list(pack.rglob("*.edj.jpg"))
    assert all(Image.open(p.path).format == ("PNG" if p.path.suffix == ".png" else "JPEG") for p in packed)
    assert (pack / "mate-backgrounds" / "VERSION").read_text() == "mate-backgrounds_1.0_all.deb\n"


def test_a_pack_refuses_to_overwrite_or_to_write_into_its_cache(cache: Path, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack_default_photos(pack, short_side=240, cache=cache)
    with pytest.raises(FileExistsError, match="--force"):
        pack_default_photos(pack, short_side=120, cache=cache)
    assert Image.open(default_photos(pack, fetch=False)[0][1].path).size == (320, 240)  # nothing was rewritten
    pack_default_photos(pack, short_side=120, cache=cache, overwrite=True)
    assert Image.open(default_photos(pack, fetch=False)[0][1].path).size == (160, 120)
    with pytest.raises(ValueError, match="must not be written into the photo cache"):
        pack_default_photos(cache / "pack", cache=cache)
    with pytest.raises(ValueError, match="at least 96"):
        pack_default_photos(tmp_path / "other", short_side=64, cache=cache)


def test_the_command_writes_a_pack(cache: Path, tmp_path: Path, capsys) -> None:
    assert main(["data", "pack-photos", "--out", str(tmp_path / "pack"), "--photo-cache", str(cache), "--short-side", "160"]) == 0
    assert "N2N_PHOTO_CACHE=" in capsys.readouterr().out
    assert main(["data", "pack-photos", "--out", str(tmp_path / "pack"), "--photo-cache", str(cache)]) == 2
    assert "already exists" in capsys.readouterr().err
