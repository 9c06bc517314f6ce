"""``n2n denoise`` on real files: formats, bit depths, channels, metadata, folders in and out, --strength."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, JpegImagePlugin

import n2n
from Miniproject_1.model import BEST_MODEL_PATH
from n2n.cli import main
from n2n.data.photo_files import read_photo, write_photo
from n2n.data.photo_metadata import EXIF_IFD, Metadata, sub_directory
from tests.mp1_helpers import noisy, smooth_images

pytestmark = pytest.mark.skipif(not BEST_MODEL_PATH.is_file(), reason="shipped model missing")
P3_LIKE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def noisy_pixels(dtype=np.uint8, channels: int = 3, seed: int = 0) -> np.ndarray:
    """A 40x48 noisy photo ``(H, W, C)`` in ``dtype``'s range (floats in [0, 1])."""
    image = noisy(smooth_images(1, size=48, seed=seed), sigma=20, seed=seed + 1)[0, :, :40].permute(1, 2, 0).numpy()
    unit = image[..., :channels].astype(np.float64) / 255
    if np.dtype(dtype).kind == "f":
        return unit.astype(dtype)
    return np.rint(unit * np.iinfo(dtype).max).astype(dtype)


def camera_metadata(orientation: int = 1) -> Metadata:
    exif = Image.Exif()
    exif[0x010F], exif[0x0112] = "Nikon", orientation
    exif[EXIF_IFD] = {0x9003: "2023:01:02 03:04:05"}
    return Metadata(icc=P3_LIKE, exif=exif, xmp=b"<x:xmpmeta>kept</x:xmpmeta>")


@pytest.mark.parametrize("suffix,dtype,channels", [("png", np.uint16, 3), ("tif", np.uint16, 3), ("tif", np.float32, 3),
                                                   ("tif", np.uint16, 1), ("png", np.uint8, 1), ("png", np.uint8, 4)])
def test_output_keeps_depth_channels_and_metadata(tmp_path, suffix, dtype, channels, capsys) -> None:
    source, target = tmp_path / f"in.{suffix}", tmp_path / f"out.{suffix}"
    original = noisy_pixels(dtype, channels)
    write_photo(original, source, camera_metadata())
    assert main(["denoise", str(source), "-o", str(target), "--quiet"]) == 0
    photo = read_photo(target)
    assert photo.pixels.dtype == original.dtype and photo.pixels.shape == original.shape
    assert not np.array_equal(photo.pixels, original)
    assert photo.metadata.icc == (P3_LIKE if channels >= 3 else None)
    assert photo.metadata.exif[0x010F] == "Nikon" and photo.metadata.exif[0x0131].startswith("n2n")
    assert sub_directory(photo.metadata.exif, EXIF_IFD)[0x9003] == "2023:01:02 03:04:05"
    assert photo.metadata.xmp == b"<x:xmpmeta>kept</x:xmpmeta>"
    # the file's pixels are those of the Python API on the same array: one path
    expected = n2n.denoise(original)
    assert np.array_equal(photo.pixels, expected)


def test_bit_depth_option_and_format_conversions(tmp_path, capsys) -> None:
    source = tmp_path / "in.png"
    write_photo(noisy_pixels(np.uint8), source)
    assert main(["denoise", str(source), "-o", str(tmp_path / "deep.tif"), "--bit-depth", "16", "--quiet"]) == 0
    deep = read_photo(tmp_path / "deep.tif").pixels
    assert deep.dtype == np.uint16
    assert len(np.unique(deep % 257)) > 1  # the network's float output, not an 8-bit result stretched
    float_source = tmp_path / "float.tif"
    write_photo(noisy_pixels(np.float32), float_source)
    assert main(["denoise", str(float_source), "-o", str(tmp_path / "from_float.png"), "--quiet"]) == 0
    assert "written 16-bit" in capsys.readouterr().out
    assert read_photo(tmp_path / "from_float.png").pixels.dtype == np.uint16
    assert main(["denoise", str(source), "-o", str(tmp_path / "x.jpg"), "--bit-depth", "16", "--quiet"]) == 2
    assert "JPEG holds 8 bits" in capsys.readouterr().err and not (tmp_path / "x.jpg").exists()


def test_jpeg_output_quality_95_and_full_resolution_colour(tmp_path) -> None:
    source = tmp_path / "in.png"
    write_photo(noisy_pixels(np.uint8), source, camera_metadata())
    assert main(["denoise", str(source), "-o", str(tmp_path / "out.jpg"), "--quiet"]) == 0
    assert main(["denoise", str(source), "-o", str(tmp_path / "q70.jpg"), "--jpeg-quality", "70", "--quiet"]) == 0
    reference = {}
    for quality in (95, 70):
        buffer = tmp_path / f"reference{quality}.jpg"
        Image.new("RGB", (8, 8)).save(buffer, quality=quality)
        reference[quality] = Image.open(buffer).quantization
    with Image.open(tmp_path / "out.jpg") as image:
        assert JpegImagePlugin.get_sampling(image) == 0  # 4:4:4
        assert image.quantization == reference[95] and image.info["icc_profile"] == P3_LIKE
    with Image.open(tmp_path / "q70.jpg") as image:
        assert image.quantization == reference[70]
    assert main(["denoise", str(source), "-o", str(tmp_path / "bad.jpg"), "--jpeg-quality", "0"]) == 2


def test_orientation_is_applied_once_and_reset(tmp_path) -> None:
    source = tmp_path / "turned.png"
    write_photo(noisy_pixels(np.uint8), source, camera_metadata(orientation=6))
    assert main(["denoise", str(source), "-o", str(tmp_path / "out.png"), "--quiet"]) == 0
    out = read_photo(tmp_path / "out.png")
    assert out.orientation == 1 and out.pixels.shape == (48, 40, 3) and out.metadata.exif[0x0112] == 1


def test_strength_zero_writes_the_input_exactly_and_half_blends(tmp_path) -> None:
    source = tmp_path / "in.png"
    original = noisy_pixels(np.uint16)
    write_photo(original, source)
    assert main(["denoise", str(source), "-o", str(tmp_path / "same.png"), "--strength", "0", "--quiet"]) == 0
    assert np.array_equal(read_photo(tmp_path / "same.png").pixels, original)
    assert main(["denoise", str(source), "-o", str(tmp_path / "full.png"), "--quiet"]) == 0
    assert main(["denoise", str(source), "-o", str(tmp_path / "half.png"), "--strength", "0.5", "--quiet"]) == 0
    full, half = (read_photo(tmp_path / f"{name}.png").pixels.astype(float) for name in ("full", "half"))
    assert np.abs(half - (original + full) / 2).max() <= 1.01
    assert main(["denoise", str(source), "-o", str(tmp_path / "x.png"), "--strength", "1.5"]) == 2


def test_folders_in_and_out(tmp_path, capsys) -> None:
    photos = tmp_path / "photos"
    (photos / "day2").mkdir(parents=True)
    write_photo(noisy_pixels(np.uint8, seed=1), photos / "a.png")
    write_photo(noisy_pixels(np.uint16, seed=2), photos / "b.tif")
    write_photo(noisy_pixels(np.uint8, seed=3), photos / "day2" / "c.jpg")
    (photos / "notes.txt").write_text("not a photo")
    assert main(["denoise", str(photos), "-o", str(tmp_path / "flat"), "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "flat").iterdir()) == ["a.png", "b.tif"]
    assert read_photo(tmp_path / "flat" / "b.tif").pixels.dtype == np.uint16
    assert main(["denoise", str(photos), "-o", str(tmp_path / "deep"), "--recursive", "--quiet"]) == 0
    assert (tmp_path / "deep" / "day2" / "c.jpg").is_file()
    # one input, an output ending in / is a folder, created
    assert main(["denoise", str(photos / "a.png"), "-o", f"{tmp_path / 'new'}/", "--quiet"]) == 0
    assert (tmp_path / "new" / "a.png").is_file()
    capsys.readouterr()


@pytest.mark.parametrize("arguments,message", [
    (["{photos}/a.png", "{photos}/b.png", "-o", "{tmp}/out.png"], "must be a folder, not the file name"),
    (["{photos}", "-o", "{tmp}/out.png"], "must be a folder, not the file name"),
    (["{photos}/a.png", "-o", "{tmp}/out"], "has no image suffix"),
    (["{tmp}/empty", "-o", "{tmp}/out/"], "no photos in it (--recursive also looks in subfolders)"),
    (["{tmp}/nowhere", "-o", "{tmp}/out/"], "no such image file or folder"),
])
def test_output_rules_are_errors_before_any_work(tmp_path, capsys, arguments, message) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    (tmp_path / "empty").mkdir()
    for name in ("a.png", "b.png"):
        write_photo(noisy_pixels(np.uint8), photos / name)
    argv = [argument.format(photos=photos, tmp=tmp_path) for argument in arguments]
    assert main(["denoise", *argv, "--quiet"]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and "Traceback" not in error
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out").exists()


def test_help_and_messages_are_plain_text(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["denoise", "--help"])
    text = capsys.readouterr().out
    assert "``" not in text and ":mod:" not in text and ":func:" not in text and "=True" not in text
    for option in ("--strength", "--bit-depth", "--jpeg-quality", "--recursive", "n2n[formats]"):
        assert option in text


def test_adapt_prints_what_the_self_check_measures(tmp_path, capsys) -> None:
    source = tmp_path / "in.png"
    write_photo(noisy_pixels(np.uint8), source)
    assert main(["denoise", str(source), "-o", str(tmp_path / "out.png"), "--adapt", "--adapt-steps", "1", "--quiet"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "self-check" in line)
    assert "mean absolute difference from the noisy values at hidden pixels" in line and "lower is better" in line


def test_errors_name_the_file(tmp_path, capsys) -> None:
    source = tmp_path / "bright.tif"
    write_photo(np.full((20, 24, 1), 300.0, np.float32), source)
    assert main(["denoise", str(source), "-o", str(tmp_path / "out.tif"), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert str(source) in error and "[0, 1]" in error and error.count("\n") == 1
