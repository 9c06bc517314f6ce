"""Photo files (:mod:`n2n.data.photo_files`): every format x bit depth x channel count round trips, metadata kept."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps
from PIL.TiffImagePlugin import IFDRational

from n2n.data.photo_files import fit_channels, output_dtype, read_photo, write_photo
from n2n.data.photo_metadata import EXIF_IFD, GPS_IFD, Metadata, for_output, profile_fits, sub_directory

ROOT = Path(__file__).resolve().parents[1]
SHAPE = (40, 48)
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description dc:creator="A. Photographer"/></rdf:RDF></x:xmpmeta>'
LOSSLESS = [("png", np.uint8), ("png", np.uint16), ("tif", np.uint8), ("tif", np.uint16), ("tif", np.float32)]


def pixels(dtype, channels: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.random((*SHAPE, channels), dtype=np.float32)
    return rng.integers(0, np.iinfo(dtype).max + 1, (*SHAPE, channels), dtype=dtype)


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132] = "Canon", "EOS R5", "2024:05:06 07:08:09"
    exif[EXIF_IFD] = {0x9003: "2024:05:06 07:08:09", 0x829A: IFDRational(1, 250), 0x8827: 800}
    exif[GPS_IFD] = {1: "N", 2: (46.0, 31.0, 10.0)}
    return exif


def camera_metadata() -> Metadata:
    return for_output(Metadata(icc=SRGB, exif=camera_exif(), xmp=XMP, dpi=(300.0, 300.0)))


@pytest.mark.parametrize("suffix,dtype", LOSSLESS)
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_lossless_formats_round_trip_every_bit_depth_and_channel_count(tmp_path, suffix, dtype, channels) -> None:
    original = pixels(dtype, channels)
    path = write_photo(original, tmp_path / f"photo.{suffix}")
    photo = read_photo(path)
    assert photo.pixels.dtype == original.dtype and photo.pixels.shape == original.shape
    assert np.array_equal(photo.pixels, original)
    if suffix == "tif":  # another reader agrees
        import tifffile

        assert np.array_equal(tifffile.imread(path).reshape(original.shape), original)


@pytest.mark.parametrize("suffix,channels", [("jpg", 1), ("jpg", 3), ("webp", 3), ("webp", 4)])
def test_lossy_formats_round_trip_closely(tmp_path, suffix, channels) -> None:
    smooth = np.linspace(0, 255, SHAPE[0] * SHAPE[1] * channels).reshape(*SHAPE, channels).astype(np.uint8)
    photo = read_photo(write_photo(smooth, tmp_path / f"photo.{suffix}"))
    assert photo.pixels.dtype == np.uint8 and photo.pixels.shape == smooth.shape
    assert np.abs(photo.pixels.astype(int) - smooth).mean() < 3


@pytest.mark.parametrize("suffix,dtype,channels", [("png", np.uint8, 3), ("png", np.uint16, 3), ("png", np.uint8, 1),
                                                   ("tif", np.uint8, 3), ("tif", np.uint16, 4), ("tif", np.float32, 3),
                                                   ("tif", np.uint16, 1), ("jpg", np.uint8, 3), ("webp", np.uint8, 3)])
def test_profile_exif_gps_xmp_and_software_are_kept(tmp_path, suffix, dtype, channels) -> None:
    grey_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # not a grey one: must be dropped
    metadata = camera_metadata()
    path = write_photo(pixels(dtype, channels), tmp_path / f"photo.{suffix}", metadata)
    read = read_photo(path).metadata
    assert read.icc == (SRGB if channels >= 3 else None)
    exif = read.exif
    assert (exif[0x010F], exif[0x0110], exif[0x0132]) == ("Canon", "EOS R5", "2024:05:06 07:08:09")
    assert exif[0x0131].startswith("n2n ")
    assert sub_directory(exif, EXIF_IFD)[0x9003] == "2024:05:06 07:08:09"
    assert sub_directory(exif, EXIF_IFD)[0x8827] == 800
    assert float(sub_directory(exif, EXIF_IFD)[0x829A]) == pytest.approx(1 / 250)
    assert sub_directory(exif, GPS_IFD)[1] == "N"
    assert read.xmp == XMP
    if suffix != "webp":
        assert read.dpi == pytest.approx((300, 300), abs=0.01)
    assert not profile_fits(grey_profile, 1) and profile_fits(SRGB, 3)


def test_icc_bytes_are_identical_through_pillow_written_files(tmp_path) -> None:
    """A profile Pillow stored (as a camera's or an editor's file would carry it) comes out byte for byte."""
    profile = bytes(SRGB[:-4]) + b"n2n!"  # any bytes after the header are carried as they are
    for suffix in ("png", "jpg", "webp", "tif"):
        source = tmp_path / f"in.{suffix}"
        Image.fromarray(pixels(np.uint8, 3)).save(source, icc_profile=profile)
        photo = read_photo(source)
        assert photo.metadata.icc == profile
        assert read_photo(write_photo(photo.pixels, tmp_path / f"out.{suffix}", photo.metadata)).metadata.icc == profile


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_once_and_reset(tmp_path, orientation) -> None:
    source = tmp_path / "turned.png"
    exif = camera_exif()
    exif[0x0112] = orientation
    Image.fromarray(pixels(np.uint8, 3)).save(source, exif=exif)
    with Image.open(source) as image:
        expected = np.asarray(ImageOps.exif_transpose(image))
    photo = read_photo(source)
    assert photo.orientation == orientation and np.array_equal(photo.pixels, expected)
    assert photo.metadata.exif[0x0112] == 1 and photo.metadata.exif[0x010F] == "Canon"
    again = read_photo(write_photo(photo.pixels, tmp_path / "upright.tif", photo.metadata))
    assert again.orientation == 1 and np.array_equal(again.pixels, expected)


def test_xmp_orientation_is_reset_too(tmp_path) -> None:
    source = tmp_path / "turned.jpg"
    Image.fromarray(pixels(np.uint8, 3)).save(source, xmp=b'<x:xmpmeta tiff:Orientation="6"/>')
    photo = read_photo(source)
    assert photo.orientation == 6 and photo.pixels.shape == (48, 40, 3)
    assert photo.metadata.xmp == b'<x:xmpmeta tiff:Orientation="1"/>'


def test_output_depth_and_channels_follow_the_format() -> None:
    assert output_dtype(np.uint16, "PNG") == (np.uint16, None)
    assert output_dtype(np.float32, "TIFF") == (np.float32, None)
    assert output_dtype(np.float32, "PNG")[0] == np.uint16 and "16-bit" in output_dtype(np.float32, "PNG")[1]
    assert output_dtype(np.uint16, "JPEG")[0] == np.uint8 and "8 bits" in output_dtype(np.uint16, "JPEG")[1]
    assert output_dtype(np.uint8, "TIFF", 16) == (np.uint16, None)
    assert output_dtype(np.float32, "TIFF", 8) == (np.uint8, None)
    with pytest.raises(ValueError, match="JPEG holds 8 bits"):
        output_dtype(np.uint8, "JPEG", 16)
    rgba = pixels(np.uint8, 4)
    assert fit_channels(rgba, "JPEG")[0].shape[2] == 3 and "alpha" in fit_channels(rgba, "JPEG")[1]
    grey = pixels(np.uint8, 1)
    assert fit_channels(grey, "WEBP")[0].shape[2] == 3 and fit_channels(grey, "PNG") == (grey, None)


def test_reading_errors_name_the_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="missing.png"):
        read_photo(tmp_path / "missing.png")
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(ValueError, match="notes.png: not an image"):
        read_photo(tmp_path / "notes.png")
    with pytest.raises(ValueError, match="unsupported image suffix"):
        write_photo(pixels(np.uint8, 3), tmp_path / "photo.bmp")
    with pytest.raises(ValueError, match="8 bits"):
        write_photo(pixels(np.uint16, 3), tmp_path / "photo.jpg")
    write_photo(pixels(np.uint8, 3), tmp_path / "photo.png")
    with pytest.raises(FileExistsError, match="--force"):
        write_photo(pixels(np.uint8, 3), tmp_path / "photo.png")


def test_tiffs_from_other_writers_are_read(tmp_path) -> None:
    """Planar (one plane per channel), LZW-compressed and tiled TIFFs, as microscopes and editors write them."""
    import tifffile

    colour = pixels(np.uint16, 3)
    tifffile.imwrite(tmp_path / "planar.tif", np.moveaxis(colour, -1, 0), photometric="rgb", planarconfig="separate")
    tifffile.imwrite(tmp_path / "lzw.tif", colour, photometric="rgb", compression="lzw", tile=(16, 16))
    for name in ("planar.tif", "lzw.tif"):
        assert np.array_equal(read_photo(tmp_path / name).pixels, colour), name
    grey = pixels(np.float32, 1)[..., 0]
    tifffile.imwrite(tmp_path / "float64.tif", grey.astype(np.float64), photometric="minisblack")
    assert read_photo(tmp_path / "float64.tif").pixels.dtype == np.float32


def test_core_install_names_the_formats_extra_in_one_line(tmp_path) -> None:
    """Without tifffile and imagecodecs: everything Pillow holds works, a 16-bit colour PNG asks for the extra."""
    write_photo(pixels(np.uint16, 3), tmp_path / "colour16.png")
    code = (
        "import sys; sys.modules.update(dict.fromkeys(['tifffile', 'imagecodecs']))\n"
        "import numpy as np\n"
        "from n2n.data.photo_files import read_photo, write_photo\n"
        f"folder = {str(tmp_path)!r}\n"
        "for dtype, channels, suffix in [(np.uint8, 3, 'png'), (np.uint16, 1, 'png'), (np.uint16, 3, 'tif'), (np.float32, 3, 'tif')]:\n"
        "    image = np.ones((8, 9, channels), dtype)\n"
        "    path = write_photo(image, f'{folder}/core_{channels}_{np.dtype(dtype).name}.{suffix}')\n"
        "    if suffix == 'png' or channels == 1: assert np.array_equal(read_photo(path).pixels, image)\n"
        "from n2n.extras import MissingExtra\n"
        "try:\n    read_photo(folder + '/colour16.png')\nexcept MissingExtra as error:\n    print(error)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "pip install 'n2n[formats]'" in run.stdout and run.stdout.strip().count("\n") == 0
