"""Readers of users' data: course files, single images, folder pairs; their error messages and conversions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from n2n.data.course import load_train_pairs, load_val, save_course_file
from n2n.data.folders import FolderPairs
from n2n.data.images import read_image, write_image


def random_image(height: int = 20, width: int = 30, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, (1, 3, height, width), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


# --- course files -----------------------------------------------------------------------------

def test_course_file_round_trip_uint8_and_float(tmp_path):
    a = torch.randint(0, 256, (5, 3, 32, 32), dtype=torch.uint8)
    save_course_file(tmp_path / "train.pkl", (a, a.flip(0)))
    first, second = load_train_pairs(tmp_path / "train.pkl")
    assert first.dtype == torch.uint8 and torch.equal(first, a) and torch.equal(second, a.flip(0))
    save_course_file(tmp_path / "val.pkl", (a.float(), a.float()))
    noisy, clean = load_val(tmp_path / "val.pkl")
    assert noisy.dtype == torch.float32 and noisy.shape == (5, 3, 32, 32)


def test_save_course_file_refuses_to_overwrite(tmp_path):
    a = torch.zeros(1, 3, 4, 4, dtype=torch.uint8)
    save_course_file(tmp_path / "x.pkl", (a, a))
    with pytest.raises(FileExistsError, match="x.pkl"):
        save_course_file(tmp_path / "x.pkl", (a, a))
    save_course_file(tmp_path / "x.pkl", (a + 1, a), overwrite=True)
    assert load_val(tmp_path / "x.pkl")[0].max() == 1


def test_missing_course_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.pkl"):
        load_train_pairs(tmp_path / "nothing.pkl")


@pytest.mark.parametrize(
    "content, message",
    [
        ({"a": torch.zeros(1)}, "found a dict"),
        ((torch.zeros(2, 3, 8, 8),), "of length 1"),
        ((torch.zeros(2, 3, 8, 8), [1, 2]), "should be a tensor"),
        ((torch.zeros(2, 3, 8, 8, dtype=torch.int64),) * 2, "dtype torch.int64"),
        ((torch.zeros(3, 8, 8),) * 2, r"shape \(3, 8, 8\)"),
        ((torch.zeros(2, 1, 8, 8),) * 2, r"expected \(N, 3, H, W\)"),
        ((torch.zeros(2, 3, 8, 8), torch.zeros(3, 3, 8, 8)), "different shapes"),
    ],
)
def test_course_file_with_wrong_content(tmp_path, content, message):
    path = tmp_path / "bad.pkl"
    torch.save(content, path)
    with pytest.raises(ValueError, match=message) as error:
        load_val(path)
    assert "bad.pkl" in str(error.value)


class NotATensor:
    pass


def test_course_file_with_arbitrary_pickle_or_garbage(tmp_path):
    torch.save(NotATensor(), tmp_path / "object.pkl")
    with pytest.raises(ValueError, match="object.pkl.*weights_only"):
        load_train_pairs(tmp_path / "object.pkl")
    (tmp_path / "text.pkl").write_text("not a pickle")
    with pytest.raises(ValueError, match="text.pkl.*torch.save"):
        load_train_pairs(tmp_path / "text.pkl")


# --- single images ----------------------------------------------------------------------------

def test_png_round_trip_and_jpeg(tmp_path):
    image = random_image()
    write_image(image, tmp_path / "a.png")
    assert torch.equal(read_image(tmp_path / "a.png"), image)
    write_image(image[0].float() + 0.4, tmp_path / "b.jpg")  # (3, H, W) float is accepted
    loaded = read_image(tmp_path / "b.jpg")
    assert loaded.shape == (1, 3, 20, 30) and loaded.dtype == torch.uint8


def test_write_image_rounds_and_clips_floats(tmp_path):
    image = torch.tensor([-10.0, 100.4, 300.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    write_image(image, tmp_path / "c.png")
    assert read_image(tmp_path / "c.png")[0, :, 0, 0].tolist() == [0, 100, 255]


def test_write_image_errors(tmp_path):
    with pytest.raises(ValueError, match="suffix"):
        write_image(random_image(), tmp_path / "a.bmp")
    with pytest.raises(ValueError, match="shape"):
        write_image(torch.zeros(2, 3, 4, 4), tmp_path / "a.png")
    write_image(random_image(), tmp_path / "a.png")
    with pytest.raises(FileExistsError, match="a.png"):
        write_image(random_image(), tmp_path / "a.png")
    write_image(random_image(seed=1), tmp_path / "a.png", overwrite=True)


def test_read_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.png"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "notes.png").write_text("this is text")
    with pytest.raises(ValueError, match="notes.png.*not a readable image"):
        read_image(tmp_path / "notes.png")
    Image.fromarray(np.zeros((4, 4), np.float32), "F").save(tmp_path / "float.tiff")
    with pytest.raises(ValueError, match="float.tiff.*mode 'F'"):
        read_image(tmp_path / "float.tiff")


def test_greyscale_becomes_three_equal_channels(tmp_path):
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    Image.fromarray(grey, "L").save(tmp_path / "grey.png")
    image = read_image(tmp_path / "grey.png")
    assert image.shape == (1, 3, 3, 4)
    for channel in range(3):
        assert image[0, channel].numpy().tolist() == grey.tolist()


def test_alpha_is_dropped(tmp_path):
    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 0  # fully transparent red: the colour is kept
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    image = read_image(tmp_path / "rgba.png")
    assert image.shape == (1, 3, 3, 4) and image[0, 0].unique().tolist() == [200]
    Image.fromarray(np.full((3, 4), 90, np.uint8), "L").convert("LA").save(tmp_path / "la.png")
    assert read_image(tmp_path / "la.png").unique().tolist() == [90]


def test_sixteen_bit_greyscale_is_scaled_to_eight_bits(tmp_path):
    Image.fromarray(np.array([[0, 257 * 100, 65535]], np.uint16)).save(tmp_path / "deep.png")
    assert read_image(tmp_path / "deep.png")[0, 1, 0].tolist() == [0, 100, 255]


# --- folder pairs -----------------------------------------------------------------------------

def make_pairs(tmp_path, names=("x", "y"), size=(40, 50)):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir(exist_ok=True)
    for k, name in enumerate(names):
        write_image(random_image(*size, seed=k), tmp_path / "a" / f"{name}.png")
        write_image(random_image(*size, seed=k), tmp_path / "b" / f"{name}.jpg")  # matched by stem
    return tmp_path / "a", tmp_path / "b"


def test_folder_pairs_random_crops(tmp_path):
    dir_a, dir_b = make_pairs(tmp_path)
    pairs = FolderPairs(dir_a, dir_b)
    assert len(pairs) == 2 and pairs.names == ["x", "y"]
    a, b = pairs.random_crops(50, 32, torch.Generator().manual_seed(0))
    assert a.shape == b.shape == (50, 3, 32, 32) and a.dtype == torch.uint8
    a2, _ = pairs.random_crops(50, 32, torch.Generator().manual_seed(0))
    assert torch.equal(a, a2)
    big, _ = pairs.random_crops(3, 40)
    assert big.shape == (3, 3, 40, 40)
    with pytest.raises(ValueError, match="smaller than the 48x48"):
        pairs.random_crops(3, 48)


def test_folder_pairs_crops_are_aligned(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    image = random_image(60, 70)
    write_image(image, tmp_path / "a" / "s.png")
    write_image(image, tmp_path / "b" / "s.png")
    a, b = FolderPairs(tmp_path / "a", tmp_path / "b").random_crops(20, 32)
    assert torch.equal(a, b)


def test_folder_pairs_errors(tmp_path):
    dir_a, dir_b = make_pairs(tmp_path)
    write_image(random_image(), dir_a / "lonely.png")
    with pytest.raises(ValueError, match="only in .*a: lonely"):
        FolderPairs(dir_a, dir_b)
    (dir_a / "lonely.png").unlink()
    write_image(random_image(40, 50), dir_a / "odd.png")
    write_image(random_image(41, 50), dir_b / "odd.png")
    with pytest.raises(ValueError, match="odd.png is 50x40 but .*odd.png is 50x41"):
        FolderPairs(dir_a, dir_b)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        FolderPairs(tmp_path / "nowhere", dir_b)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no PNG or JPEG"):
        FolderPairs(tmp_path / "empty", dir_b)
