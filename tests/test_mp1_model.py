"""Miniproject_1's course interface: training, prediction shapes and modes, input errors, checkpoints."""

from __future__ import annotations

import pytest
import torch

import Miniproject_1.model as model_module
from Miniproject_1.model import Model
from Miniproject_1.others.unet import UNet, arch_from_state_dict
from n2n.metrics import psnr
from tests.mp1_helpers import noisy, smooth_images
from tests.precision_helpers import prediction_atol


@pytest.fixture(scope="module")
def model() -> Model:
    torch.manual_seed(0)
    return Model()


def test_one_epoch_of_training_improves_psnr() -> None:
    torch.manual_seed(0)
    clean = smooth_images(1024, seed=10)
    val_clean = smooth_images(64, seed=11)
    val_noisy = noisy(val_clean, seed=12)
    model = Model()
    before = psnr(model.predict(val_noisy), val_clean)
    model.train(noisy(clean, seed=13), noisy(clean, seed=14), 1)
    assert psnr(model.predict(val_noisy), val_clean) > before + 0.5


def test_train_accepts_float_input_and_zero_epochs(model: Model) -> None:
    images = smooth_images(8)
    model.train(images, images.flip(0), 0)
    model.train(images, noisy(images), 1)


@pytest.mark.parametrize("shape", [(1, 3, 17, 5), (2, 3, 1, 1), (3, 3, 33, 31), (1, 3, 2, 64), (1, 3, 512, 512)])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_predict_keeps_shape_for_any_size(model: Model, shape: tuple, dtype: torch.dtype) -> None:
    images = (torch.rand(shape) * 255).to(dtype)
    out = model.predict(images)
    assert out.shape == images.shape
    assert out.is_floating_point() and out.device == images.device
    assert float(out.min()) >= 0.0 and float(out.max()) <= 255.0


def test_predict_restores_the_training_mode(model: Model) -> None:
    images = smooth_images(2)
    for mode in (True, False):
        model.network.train(mode)
        model.predict(images)
        assert model.network.training is mode


def test_predict_batches_large_inputs_consistently(model: Model, precision: str) -> None:
    images = noisy(smooth_images(6))
    together = model.predict(images)
    apart = torch.cat([model.predict(images[i : i + 1]) for i in range(6)])
    # Other batch sizes may take other kernels: under bfloat16 each result lies within the bound of the float32 one.
    atol = prediction_atol(precision, model.network, together, images, computations=2)
    torch.testing.assert_close(together, apart, atol=atol, rtol=0)


BAD_INPUTS = [
    ([[1.0]], "torch.Tensor"),
    (torch.zeros(3, 8, 8), "4-D"),
    (torch.zeros(1, 4, 8, 8), "3 channels"),
    (torch.zeros(0, 3, 8, 8), "N, H, W >= 1"),
    (torch.full((1, 3, 8, 8), float("nan")), "finite"),
    (torch.full((1, 3, 8, 8), float("inf")), "finite"),
    (torch.full((1, 3, 8, 8), 1000.0), "[0, 255]"),
    (torch.full((1, 3, 8, 8), -500.0), "[0, 255]"),
    (torch.zeros(1, 3, 8, 8, dtype=torch.bool), "dtype"),
]


@pytest.mark.parametrize("bad, message", BAD_INPUTS)
def test_predict_rejects_bad_input(model: Model, bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        model.predict(bad)


@pytest.mark.parametrize("bad, message", BAD_INPUTS[:4])
def test_train_rejects_bad_input(model: Model, bad: object, message: str) -> None:
    good = torch.zeros(1, 3, 8, 8)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        model.train(bad, good, 1)


def test_train_rejects_mismatched_pairs_and_bad_epochs(model: Model) -> None:
    with pytest.raises(ValueError, match="same shape"):
        model.train(torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 8, 9), 1)
    for epochs in (-1, 1.5, "2"):
        with pytest.raises(ValueError, match="num_epochs"):
            model.train(torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 8, 8), epochs)


def test_missing_checkpoint_says_how_to_get_one(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(model_module, "BEST_MODEL_PATH", tmp_path / "bestmodel.pth")
    with pytest.raises(FileNotFoundError, match="n2n train"):
        Model().load_pretrained_model()


def test_corrupt_checkpoint_says_how_to_get_one(tmp_path, monkeypatch) -> None:
    path = tmp_path / "bestmodel.pth"
    path.write_bytes(b"not a checkpoint")
    monkeypatch.setattr(model_module, "BEST_MODEL_PATH", path)
    with pytest.raises(ValueError, match="corrupt.*n2n train"):
        Model().load_pretrained_model()
    torch.save({"something": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="not a Miniproject_1 UNet"):
        Model().load_pretrained_model()


def test_weights_round_trip_through_a_state_dict_file(tmp_path, monkeypatch, precision: str) -> None:
    torch.manual_seed(1)
    network = UNet(width=8, depth=3)
    torch.nn.init.normal_(network.tail.weight, std=0.1)
    path = tmp_path / "bestmodel.pth"
    torch.save(network.state_dict(), path)
    monkeypatch.setattr(model_module, "BEST_MODEL_PATH", path)
    model = Model()
    model.load_pretrained_model()
    assert arch_from_state_dict(model.network.state_dict()) == {"width": 8, "depth": 3, "channels": 3}
    images = noisy(smooth_images(2))
    with torch.no_grad():
        expected = network(images.float() / 255) * 255  # float32
    atol = prediction_atol(precision, network, expected, images)
    torch.testing.assert_close(model.predict(images), expected.clamp(0, 255), atol=atol, rtol=0)


@pytest.mark.skipif(not model_module.BEST_MODEL_PATH.is_file(), reason="bestmodel.pth not trained yet")
def test_shipped_model_loads_and_is_small() -> None:
    assert model_module.BEST_MODEL_PATH.stat().st_size < 5 * 2**20
    state = torch.load(model_module.BEST_MODEL_PATH, weights_only=True)
    assert isinstance(state, dict)
    model = Model()
    model.load_pretrained_model()
    images = noisy(smooth_images(4))
    assert model.predict(images).shape == images.shape
