"""The Python API (:mod:`n2n.api`): each input type, dtype and shape comes back as it went in; clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import n2n
from Miniproject_1.model import BEST_MODEL_PATH
from n2n.api import Denoiser
from tests.mp1_helpers import noisy as add_noise
from tests.mp1_helpers import smooth_images

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not BEST_MODEL_PATH.is_file(), reason="shipped model missing")


@pytest.fixture(scope="module")
def shipped() -> Denoiser:
    return n2n.load()


@pytest.fixture(scope="module")
def clean_and_noisy() -> tuple[np.ndarray, np.ndarray]:
    clean = smooth_images(1, size=48, seed=3)[0, :, :40].permute(1, 2, 0).numpy()
    noisy = add_noise(torch.from_numpy(clean).permute(2, 0, 1)[None], sigma=25)[0].permute(1, 2, 0).numpy()
    return clean, noisy


def identity() -> Denoiser:
    return Denoiser(lambda images: images.to(torch.float32), "identity")


def inputs(noisy: np.ndarray) -> list:
    unit = noisy.astype(np.float64) / 255
    grey = noisy[..., 0]
    return [
        noisy, grey, noisy[..., :1], (unit * 65535).round().astype(np.uint16), unit, unit.astype(np.float32),
        np.dstack([noisy, np.full(noisy.shape[:2], 200, np.uint8)]), np.dstack([grey, grey]),
        Image.fromarray(noisy), Image.fromarray(grey), Image.fromarray(np.dstack([noisy, grey])),
        Image.fromarray(grey.astype(np.uint16) * 257), Image.fromarray(grey.astype(np.int32) * 257),
        Image.fromarray((grey / 255).astype(np.float32)),
        torch.from_numpy(noisy).permute(2, 0, 1), torch.from_numpy(unit).permute(2, 0, 1)[None].float(),
        torch.from_numpy(noisy).permute(2, 0, 1)[None].repeat(2, 1, 1, 1), torch.from_numpy(grey)[None].double() / 255,
    ]


def describe(image) -> tuple:
    if isinstance(image, Image.Image):
        return "PIL", image.mode, image.size
    return type(image).__name__, str(image.dtype), tuple(image.shape)


def test_every_type_dtype_and_shape_comes_back_as_it_went_in(shipped, clean_and_noisy) -> None:
    _, noisy = clean_and_noisy
    for image in inputs(noisy):
        out = shipped(image)
        assert describe(out) == describe(image)
        values = np.asarray(out) if not isinstance(out, torch.Tensor) else out.numpy()
        if values.dtype.kind == "f":
            assert values.min() >= 0 and values.max() <= 1
        assert not np.array_equal(values, np.asarray(image) if not isinstance(image, torch.Tensor) else image.numpy())


def test_the_output_is_denoised_whatever_the_type(shipped, clean_and_noisy) -> None:
    clean, noisy = clean_and_noisy

    def error(image: np.ndarray) -> float:
        return float(np.abs(image.astype(np.float64) - clean).mean())

    as_uint8 = shipped(noisy)
    as_float = shipped(noisy / 255.0) * 255
    as_uint16 = shipped(noisy.astype(np.uint16) * 257) / 257
    assert error(as_uint8) < 0.6 * error(noisy)
    # floats in [0, 1] are scaled as uint8 is (they used to come back nearly black)
    assert np.abs(as_float - as_uint8).max() <= 0.5 + 1e-6 and np.abs(as_uint16 - as_uint8).max() <= 0.5 + 1e-6


def test_alpha_is_kept_and_tensors_stay_on_their_device(shipped, clean_and_noisy) -> None:
    _, noisy = clean_and_noisy
    alpha = np.random.default_rng(0).integers(0, 256, noisy.shape[:2], dtype=np.uint8)
    out = shipped(np.dstack([noisy, alpha]))
    assert np.array_equal(out[..., 3], alpha)
    tensor = torch.from_numpy(noisy).permute(2, 0, 1).float().div(255).requires_grad_()
    result = shipped(tensor)
    assert result.device == tensor.device and not result.requires_grad


def test_full_precision_no_rounding_to_8_bits_on_the_way(clean_and_noisy) -> None:
    """A network that returns its input gives a 16-bit or float image back exactly: nothing is rounded to 8 bits."""
    _, noisy = clean_and_noisy
    deep = np.random.default_rng(1).integers(0, 65536, noisy.shape, dtype=np.uint16)
    assert np.array_equal(identity()(deep, grey="no"), deep)
    fine = np.random.default_rng(2).random(noisy.shape).astype(np.float32)
    assert np.abs(identity()(fine, grey="no") - fine).max() < 1e-6


def test_strength_blends_with_the_input(shipped, clean_and_noisy) -> None:
    _, noisy = clean_and_noisy
    unit = noisy / 255.0
    unchanged = n2n.denoise(unit, strength=0)
    assert unchanged is not unit and np.array_equal(unchanged, unit)
    full = shipped(unit)
    assert np.allclose(shipped(unit, strength=0.25), 0.75 * unit + 0.25 * full, atol=1e-6)


def test_denoise_loads_shipped_models_and_checkpoints(clean_and_noisy) -> None:
    _, noisy = clean_and_noisy
    by_path = n2n.denoise(noisy, model=BEST_MODEL_PATH, device="cpu")
    assert np.array_equal(by_path, n2n.denoise(noisy, model="miniproject1"))
    assert n2n.load(model="miniproject2", device="cpu")(noisy).shape == noisy.shape
    assert n2n.load(BEST_MODEL_PATH).name == str(BEST_MODEL_PATH)
    with pytest.raises(FileNotFoundError, match="neither a shipped model"):
        n2n.denoise(noisy, model="mp3")
    with pytest.raises(ValueError, match="unknown denoiser"):
        n2n.load(model="mp3")
    with pytest.raises(ValueError, match="n2n.load"):
        n2n.denoise(noisy, model=n2n.load(), device="cpu")


@pytest.mark.parametrize("image,error,message", [
    (np.zeros((8, 8), np.int32), ValueError, "int32; images must be uint8, uint16, float32 or float64"),
    (np.zeros((8, 8, 3), np.float16), ValueError, "float16"),
    (np.zeros((8, 8, 5), np.uint8), ValueError, r"\(H, W\) or \(H, W, C\)"),
    (np.zeros((3, 8, 9), np.uint8), ValueError, "numpy.moveaxis"),
    (np.zeros((2, 8, 8, 3), np.uint8), ValueError, r"\(H, W, C\)"),
    (np.full((8, 8, 3), 200.0), ValueError, "divide it by 255"),
    (np.full((8, 8, 3), np.nan), ValueError, "NaN"),
    (torch.zeros(8, 9, 3), ValueError, r"tensor.permute\(2, 0, 1\)"),
    (torch.zeros(1, 1, 3, 8, 8), ValueError, r"\(C, H, W\) or \(N, C, H, W\)"),
    (torch.zeros(3, 8, 8, dtype=torch.int16), ValueError, "int16"),
    (Image.new("P", (8, 8)), ValueError, r"image.convert\('RGB'\)"),
    (Image.new("CMYK", (8, 8)), ValueError, "CMYK"),
    ([[0, 1], [2, 3]], TypeError, "NumPy array, a torch tensor or a Pillow image"),
])
def test_unsupported_images_give_clear_errors(image, error, message) -> None:
    with pytest.raises(error, match=message):
        n2n.denoise(image, model=identity())


@pytest.mark.parametrize("options,message", [
    ({"strength": 1.5}, "strength must be a number from 0"), ({"strength": "half"}, "strength"),
    ({"tile": 8}, "tile size must be a whole number of at least 16"), ({"overlap": 600}, "smaller than the tile size"),
    ({"grey": "maybe"}, "grey mode must be one of auto, yes, no"), ({"adapt": 0}, "adapt is True, False or a number"),
])
def test_bad_options_give_clear_errors(options, message) -> None:
    with pytest.raises(ValueError, match=message):
        n2n.denoise(np.zeros((8, 8), np.uint8), model=identity(), **options)


def test_adapt_through_the_api(clean_and_noisy) -> None:
    _, noisy = clean_and_noisy
    out = n2n.denoise(noisy, adapt=1)
    assert out.shape == noisy.shape and out.dtype == np.uint8
    with pytest.raises(ValueError, match="Miniproject_1"):
        n2n.denoise(noisy, model="miniproject2", adapt=True)


def test_import_n2n_stays_light() -> None:
    code = ("import sys, n2n; assert 'torch' not in sys.modules, 'torch imported'; "
            "assert callable(n2n.denoise) and callable(n2n.load); print('torch' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "True"  # torch comes with the first use of the API
    assert "denoise" in dir(n2n)
