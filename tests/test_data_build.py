"""``n2n data build`` on a few synthetic photos (no Debian packages, no network) and the committed val sets."""

from __future__ import annotations

import hashlib
import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from n2n.cli import main
from n2n.data.build import BuildOptions, build_dataset, split_photos
from n2n.data.course import load_train_pairs, load_val
from n2n.data.crops import flatness
from n2n.data.edje import EET_MAGIC, extract_largest_jpeg, largest_jpeg
from n2n.data.photos import (
    DEFAULT_PHOTOS,
    VALIDATION_PHOTOS,
    Photo,
    default_photo_ids,
    is_default_pool,
    split_default_photos,
    training_photos,
    validation_photos,
)

ROOT = Path(__file__).resolve().parents[1]
VAL_FILES = ["val_data.pkl", "val_gaussian25.pkl", "val_poisson.pkl", "val_pixelate.pkl"]


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """Six small textured 'photos' (PNG and JPEG, one greyscale) in nested folders."""
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for k in range(6):
        height, width = 170 + 10 * k, 260
        y, x = np.mgrid[0:height, 0:width]
        image = np.stack([128 + 90 * np.sin(x / (6 + k) + y / 9), 128 + 90 * np.cos(y / (4 + k)), (x * y / 7) % 256], -1)
        image = np.clip(image + rng.normal(0, 4, image.shape), 0, 255).astype(np.uint8)
        image[: height // 3] = 200  # a flat "sky" band that must not produce crops
        pil = Image.fromarray(image)
        target = folder / ("sub" if k % 2 else "") / f"photo{k}.{'png' if k % 2 else 'jpg'}"
        target.parent.mkdir(exist_ok=True)
        (pil.convert("L") if k == 3 else pil).save(target)
    return folder


def build(out: Path, photos: Path, **kwargs) -> dict:
    options = dict(out=out, pairs=200, val=40, photos=photos, progress=False, keep_clean=True)
    options.update(kwargs)
    return build_dataset(BuildOptions(**options), log=lambda _: None)


@pytest.fixture(scope="module")
def built(tmp_path_factory, photos) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("built")
    return out, build(out, photos)


def test_formats_and_dtypes(built):
    out, manifest = built
    a, b = load_train_pairs(out / "train_data.pkl")
    assert a.shape == b.shape == (200, 3, 32, 32) and a.dtype == b.dtype == torch.uint8
    clean = torch.load(out / "train_clean.pkl", weights_only=True)
    assert clean.shape == (200, 3, 32, 32) and clean.dtype == torch.uint8
    # The two copies are noisy versions of the clean crops, in the same order.
    assert (a.float() - clean.float()).abs().mean() < 40 and not torch.equal(a, b)
    assert (a.float() - clean.float()).abs().mean() < (a.float() - clean.roll(1, 0).float()).abs().mean()
    assert (flatness(clean) >= 2.0).all()
    val_clean = None
    for name in VAL_FILES:
        noisy, clean_val = load_val(out / name)
        assert noisy.shape == (40, 3, 32, 32) and noisy.dtype == torch.uint8
        if val_clean is not None:
            assert torch.equal(clean_val, val_clean)  # all val sets share the clean crops
        val_clean = clean_val
    assert set(manifest["files"]) == {"train_data.pkl", "train_clean.pkl", *VAL_FILES}
    assert json.loads((out / "manifest.json").read_text()) == manifest


def test_manifest_and_split_by_photo(built):
    _, manifest = built
    train, val = manifest["splits"]["train"], manifest["splits"]["val"]
    assert not set(train) & set(val)
    assert sorted(train + val) == sorted(f"{'sub/' if k % 2 else ''}photo{k}.{'png' if k % 2 else 'jpg'}" for k in range(6))
    assert manifest["counts"] == {"photos": {"train": len(train), "val": len(val)}, "crops": {"train_pairs": 200, "val": 40}}
    assert manifest["seed"] == 0 and manifest["noise"]["train"]["spec"] == "mixed"
    assert {"torch", "numpy", "pillow", "python"} <= set(manifest["versions"])


def test_split_ignores_the_seed_and_order():
    photos = [Photo(f"p{k}", Path(f"p{k}.jpg")) for k in range(40)]
    train, val = split_photos(photos)
    assert len(val) == 6 and len(train) == 34
    assert split_photos(photos[::-1]) == (train, val)
    with pytest.raises(ValueError, match="at least 2"):
        split_photos(photos[:1])


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, photos, built):
    out, _ = built
    build(tmp_path / "again", photos)
    for name in ["train_data.pkl", "train_clean.pkl", *VAL_FILES, "manifest.json"]:
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
    build(tmp_path / "seed1", photos, seed=1, keep_clean=False)
    assert (tmp_path / "seed1" / "train_data.pkl").read_bytes() != (out / "train_data.pkl").read_bytes()
    assert not (tmp_path / "seed1" / "train_clean.pkl").exists()


def test_no_overwrite_without_force(tmp_path, photos):
    out = tmp_path / "out"
    out.mkdir()
    (out / "val_data.pkl").write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="val_data.pkl.*--force"):
        build(out, photos)
    assert (out / "val_data.pkl").read_bytes() == b"precious"
    assert sorted(p.name for p in out.iterdir()) == ["val_data.pkl"]  # failed before writing anything
    build(out, photos, force=True)
    assert load_val(out / "val_data.pkl")[0].shape == (40, 3, 32, 32)


def test_val_only_build(tmp_path, photos):
    manifest = build(tmp_path, photos, pairs=0)
    assert not (tmp_path / "train_data.pkl").exists()
    assert set(manifest["files"]) == set(VAL_FILES)


def test_cli_end_to_end(tmp_path, photos, capsys):
    out = tmp_path / "cli"
    args = ["data", "build", "--out", str(out), "--photos", str(photos), "--pairs", "64", "--val", "16",
            "--noise", "gaussian:25", "--seed", "3", "--no-progress"]
    assert main(args) == 0
    assert "64 training pairs" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["noise"]["train"]["model"] == {"name": "gaussian", "sigma": [25.0, 25.0]}
    assert load_train_pairs(out / "train_data.pkl")[0].shape == (64, 3, 32, 32)
    # An existing output: one clear line, exit code 2; --force replaces it.
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(args + ["--force"]) == 0
    assert main(["data", "info", str(out / "val_data.pkl")]) == 0
    assert "PSNR" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--noise", "speckle"], "unknown noise model"),
        (["--photos", "/nonexistent/photos"], "no such photo folder"),
        (["--val", "0"], "--val >= 1"),
    ],
)
def test_cli_errors(tmp_path, photos, capsys, extra, message):
    args = ["data", "build", "--out", str(tmp_path / "x"), "--photos", str(photos), "--no-progress", *extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_cli_info_on_a_bad_file(tmp_path, capsys):
    (tmp_path / "bad.pkl").write_text("nope")
    assert main(["data", "info", str(tmp_path / "bad.pkl")]) == 2
    assert "bad.pkl" in capsys.readouterr().err


def test_committed_validation_sets_load():
    manifest = json.loads((ROOT / "data" / "manifest.json").read_text())
    assert (ROOT / "data" / "DATA_LICENSES").is_file()
    assert not set(manifest["splits"]["train"]) & set(manifest["splits"]["val"])
    clean_ref = None
    for name in VAL_FILES:
        noisy, clean = load_val(ROOT / "data" / name)
        assert noisy.shape == clean.shape == (1000, 3, 32, 32)
        assert noisy.dtype == clean.dtype == torch.uint8
        assert manifest["files"][name]["shape"] == [1000, 3, 32, 32]
        if clean_ref is not None:
            assert torch.equal(clean, clean_ref)
        clean_ref = clean


def test_default_photo_list_is_explicit_and_plausible():
    files = [file for package_files in DEFAULT_PHOTOS.values() for file in package_files]
    assert 55 <= len(files) <= 70 and len(set(files)) == len(files)
    assert all(file.endswith((".jpg", ".png", ".edj")) for file in files)
    assert len(set(default_photo_ids())) == len(files)  # ids are unique too


# The 37 photos of the first four packages: the pool the committed val sets were cut from.
ORIGINAL_PACKAGES = ("lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04", "mate-backgrounds", "plasma-workspace-wallpapers")


def fake_default_pool() -> list[Photo]:
    return [Photo(photo_id, Path(f"/nowhere/{photo_id}.jpg")) for photo_id in default_photo_ids()]


def test_validation_photos_are_the_ones_the_committed_val_sets_were_cut_from():
    original = [photo for photo in fake_default_pool() if photo.id.split("/")[0] in ORIGINAL_PACKAGES]
    assert len(original) == 37
    # The old rule (smallest SHA-256 of the id, 15 %) on the original pool chose exactly these six ...
    ranked = sorted(original, key=lambda photo: hashlib.sha256(photo.id.encode()).hexdigest())
    assert sorted(photo.id for photo in ranked[:6]) == sorted(VALIDATION_PHOTOS)
    # ... which are the val photos recorded in the committed manifest.
    manifest = json.loads((ROOT / "data" / "manifest.json").read_text())
    assert manifest["splits"]["val"] == sorted(VALIDATION_PHOTOS)
    train, val = split_photos(original)
    assert [p.id for p in val] == sorted(VALIDATION_PHOTOS) and len(train) == 31


def test_default_split_keeps_validation_fixed_and_puts_new_photos_in_training():
    pool = fake_default_pool()
    train, val = split_photos(pool)
    assert [p.id for p in val] == sorted(VALIDATION_PHOTOS)
    assert [p.id for p in train] == sorted(set(default_photo_ids()) - set(VALIDATION_PHOTOS))
    new_ids = {p.id for p in pool if p.id.split("/")[0] not in ORIGINAL_PACKAGES}
    assert len(new_ids) >= 20 and new_ids <= {p.id for p in train}
    # The 31 original training photos stay training photos.
    manifest = json.loads((ROOT / "data" / "manifest.json").read_text())
    assert set(manifest["splits"]["train"]) <= {p.id for p in train}
    # Order and pool size do not matter: any subset of the default pool keeps its val photos.
    assert split_photos(pool[::-1]) == (train, val)
    subset = [p for k, p in enumerate(pool) if k % 3 == 0 or p.id in VALIDATION_PHOTOS]
    assert [p.id for p in split_photos(subset)[1]] == sorted(VALIDATION_PHOTOS)
    assert split_default_photos(pool) == (train, val)
    with pytest.raises(ValueError, match="not default photos"):
        split_default_photos(pool + [Photo("holiday/beach.jpg", Path("beach.jpg"))])
    with pytest.raises(ValueError, match="0 validation"):
        split_default_photos([p for p in pool if p.id not in VALIDATION_PHOTOS])
    # A pool with any non-default photo (a --photos folder) keeps the hash split.
    mixed = pool[:10] + [Photo(f"extra{k}.jpg", Path(f"extra{k}.jpg")) for k in range(10)]
    assert not is_default_pool(mixed)
    ranked = sorted(mixed, key=lambda photo: hashlib.sha256(photo.id.encode()).hexdigest())
    assert {p.id for p in split_photos(mixed)[1]} == {p.id for p in ranked[:3]}


def eet_archive(entries: dict[str, bytes]) -> bytes:
    """A minimal Eet file (the container format of .edj) holding ``entries`` uncompressed."""
    names = [name.encode() + b"\0" for name in entries]
    offset = 12 + 24 * len(entries)
    directory, blobs = b"", b""
    for name, payload in zip(names, entries.values()):
        name_offset, data_offset = offset + len(blobs), offset + len(blobs) + len(name)
        directory += struct.pack(">6i", data_offset, len(payload), len(payload), name_offset, len(name), 0)
        blobs += name + payload
    return struct.pack(">III", EET_MAGIC, len(entries), 0) + directory + blobs


def jpeg_bytes(width: int, height: int, value: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (value, 90, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_largest_jpeg_of_an_edj(tmp_path):
    small, large = jpeg_bytes(16, 8, 10), jpeg_bytes(64, 36, 200)
    archive = tmp_path / "Wall.edj"
    archive.write_bytes(eet_archive({"edje/file": b"\x01\x02", "edje/images/1": small, "edje/images/0": large}))
    assert largest_jpeg(archive) == large
    target = extract_largest_jpeg(archive, tmp_path / "Wall.edj.jpg")
    assert target.read_bytes() == large and Image.open(target).size == (64, 36)
    (tmp_path / "bad.edj").write_bytes(b"not an eet file")
    with pytest.raises(ValueError, match="Eet"):
        largest_jpeg(tmp_path / "bad.edj")
    (tmp_path / "none.edj").write_bytes(eet_archive({"edje/file": b"x"}))
    with pytest.raises(ValueError, match="no raw JPEG"):
        largest_jpeg(tmp_path / "none.edj")


def test_training_and_validation_photos_from_a_cache(tmp_path):
    """The helpers for whole-photo training/evaluation, on a fake package cache (no network)."""
    for package, files in DEFAULT_PHOTOS.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "VERSION").write_text(f"{package}_1.0_all.deb\n")
        for file in files:
            path = tmp_path / package / file
            path.parent.mkdir(parents=True, exist_ok=True)
            if file.endswith(".edj"):
                path.write_bytes(eet_archive({"edje/images/0": jpeg_bytes(40, 30, 120)}))
            else:
                path.write_bytes(b"placeholder")
    train = training_photos(tmp_path, fetch=False)
    val = validation_photos(tmp_path, fetch=False)
    assert [p.id for p in val] == sorted(VALIDATION_PHOTOS)
    assert [p.id for p in train] == sorted(set(default_photo_ids()) - set(VALIDATION_PHOTOS))
    assert all(p.path.is_file() for p in train + val)
    edj_photos = [p for p in train if p.id.startswith("enlightenment-data/")]
    assert edj_photos and all(p.path.name.endswith(".edj.jpg") and Image.open(p.path).size == (40, 30) for p in edj_photos)
    with pytest.raises(FileNotFoundError, match="not in the cache"):
        training_photos(tmp_path / "empty", fetch=False)
