"""Miniproject_2's course ``Model``: interface, sizes, errors, checkpoints (autograd off throughout)."""

from __future__ import annotations

import pickle

import pytest
import torch
from mp1_helpers import noisy, smooth_images

import Miniproject_2.model as course
from Miniproject_2.model import Model
from Miniproject_2.others.images import pad_to_multiple
from n2n.metrics import psnr


@pytest.fixture
def model(no_autograd):
    torch.manual_seed(0)
    return Model()


def test_one_epoch_of_training_improves_psnr(model):
    clean = smooth_images(640, seed=0)
    before = psnr(model.predict(noisy(clean, seed=3)), clean)
    model.train(noisy(clean, seed=1), noisy(clean, seed=2), num_epochs=1)
    after = psnr(model.predict(noisy(clean, seed=3)), clean)
    assert after > before + 3, (before, after)


def test_train_accepts_float_input_and_zero_epochs(model):
    images = smooth_images(8)
    weights = [v.clone() for v in model.network.parameters()]
    model.train(images, images, num_epochs=0)
    assert all(torch.equal(a, b) for a, b in zip(weights, model.network.parameters()))
    model.train(images, images.clone(), num_epochs=1)
    assert not all(torch.equal(a, b) for a, b in zip(weights, model.network.parameters()))


@pytest.mark.parametrize("shape", [(1, 3, 32, 32), (2, 3, 1, 1), (3, 3, 17, 9), (1, 3, 30, 5), (1, 3, 512, 512)])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_predict_keeps_shape_for_any_size(model, shape, dtype):
    images = (torch.rand(shape) * 255).to(dtype)
    out = model.predict(images)
    assert out.shape == shape and out.dtype == torch.float32
    assert 0 <= out.min() and out.max() <= 255


def test_predict_restores_the_training_mode(model):
    model.network.train()
    model.predict(torch.zeros(1, 3, 8, 8))
    assert model.network.training
    model.network.eval()
    model.predict(torch.zeros(1, 3, 8, 8))
    assert not model.network.training


def test_predict_in_chunks_equals_predict_at_once(model, monkeypatch):
    images = torch.rand(5, 3, 12, 12) * 255
    whole = model.predict(images)
    from Miniproject_2.others import training

    original = training.predict_batches
    monkeypatch.setattr(course, "predict_batches", lambda *a, **k: original(*a, max_pixels=12 * 12 * 2))
    torch.testing.assert_close(model.predict(images), whole)


def test_mirror_padding_reflects_without_repeating_the_edge():
    images = torch.arange(5.0).view(1, 1, 1, 5).expand(1, 3, 2, 5)
    padded, size = pad_to_multiple(images, 4)
    assert size == (2, 5) and padded.shape == (1, 3, 4, 8)
    assert padded[0, 0, 0].tolist() == [0, 1, 2, 3, 4, 3, 2, 1]


BAD_INPUTS = [
    ([[1.0]], "expected a batch of images as a torch.Tensor"),
    (torch.zeros(3, 8, 8), r"4-D tensor .* got shape \(3, 8, 8\)"),
    (torch.zeros(1, 1, 8, 8), r"expected 3 channels"),
    (torch.zeros(0, 3, 8, 8), "N, H, W >= 1"),
    (torch.full((1, 3, 4, 4), float("nan")), "NaN or inf"),
    (torch.full((1, 3, 4, 4), 1e4), r"expected values in \[0, 255\] .* got values in \[10000, 10000\]"),
    (torch.zeros(1, 3, 4, 4, dtype=torch.bool), "uint8 or float"),
]


@pytest.mark.parametrize("bad, message", BAD_INPUTS)
def test_predict_rejects_bad_input(model, bad, message):
    with pytest.raises(ValueError, match=message):
        model.predict(bad)


@pytest.mark.parametrize("bad, message", BAD_INPUTS)
def test_train_rejects_bad_input(model, bad, message):
    with pytest.raises(ValueError, match=message):
        model.train(bad, bad, num_epochs=1)


def test_train_rejects_mismatched_pairs_tiny_images_and_bad_epochs(model):
    with pytest.raises(ValueError, match="same shape"):
        model.train(torch.zeros(2, 3, 8, 8), torch.zeros(3, 3, 8, 8), num_epochs=1)
    with pytest.raises(ValueError, match="num_epochs"):
        model.train(torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 8, 8), num_epochs=-1)
    with pytest.raises(ValueError, match="at least 4x4"):
        model.train(torch.zeros(2, 3, 3, 8), torch.zeros(2, 3, 3, 8), num_epochs=1)


def test_weights_round_trip_through_a_checkpoint(model, tmp_path):
    path = tmp_path / "weights.pth"
    model.save_weights(path, meta={"note": "test"})
    with pytest.raises(FileExistsError, match="already exists"):
        model.save_weights(path)
    other = Model()
    other.load_weights(path)
    images = torch.rand(2, 3, 12, 12) * 255
    torch.testing.assert_close(other.predict(images), model.predict(images))


def test_missing_checkpoint_says_how_to_get_one(model, tmp_path, monkeypatch):
    monkeypatch.setattr(course, "BEST_MODEL_PATH", tmp_path / "absent.pth")
    with pytest.raises(FileNotFoundError, match="n2n train --engine scratch"):
        model.load_pretrained_model()


@pytest.mark.parametrize("content", [b"", b"not a pickle at all", pickle.dumps({"format": "other"}), pickle.dumps([1, 2, 3])])
def test_corrupt_checkpoint_is_a_clear_error(model, tmp_path, monkeypatch, content):
    path = tmp_path / "bestmodel.pth"
    path.write_bytes(content)
    monkeypatch.setattr(course, "BEST_MODEL_PATH", path)
    with pytest.raises(ValueError, match="n2n train --engine scratch"):
        model.load_pretrained_model()


class Exploit:
    """Unpickling this would call ``os.system``; the restricted unpickler must refuse it."""

    def __reduce__(self):
        import os

        return (os.system, ("touch pwned",))


def test_malicious_pickle_is_refused_without_running_it(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bestmodel.pth"
    path.write_bytes(pickle.dumps({"format": "n2n-miniproject2-checkpoint", "version": 1, "state": Exploit()}))
    monkeypatch.setattr(course, "BEST_MODEL_PATH", path)
    with pytest.raises(ValueError, match=r"refusing to load .*posix.system|refusing to load .*os.system"):
        model.load_pretrained_model()
    assert not (tmp_path / "pwned").exists()


def test_checkpoint_with_a_wrong_shape_is_refused(model, tmp_path):
    path = tmp_path / "w.pth"
    state = model.network.state_dict()
    state["0.weight"] = torch.zeros(2, 3, 3, 3)
    course.save_checkpoint(path, state, model.arch)
    with pytest.raises(ValueError, match=r"0.weight.*shape \(2, 3, 3, 3\)"):
        Model().load_weights(path)


def test_shipped_model_loads_and_denoises():
    if not course.BEST_MODEL_PATH.exists():
        pytest.fail("Miniproject_2/bestmodel.pth is missing: train it with n2n train --engine scratch --arch course")
    from n2n.data.course import load_val

    torch.set_grad_enabled(False)
    try:
        model = Model()
        model.load_pretrained_model()
        noisy_val, clean = load_val(course.BEST_MODEL_PATH.parents[1] / "data" / "val_gaussian25.pkl")
        assert psnr(model.predict(noisy_val[:200]), clean[:200]) > psnr(noisy_val[:200], clean[:200]) + 2
    finally:
        torch.set_grad_enabled(True)


def test_train_after_loading_weights_uses_the_lower_pretrained_rate(model, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(course, "fit", lambda *args: seen.append(args[5]))
    pairs = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    model.train(pairs, pairs, num_epochs=1)
    path = tmp_path / "w.pth"
    model.save_weights(path)
    model.load_weights(path)
    model.train(pairs, pairs, num_epochs=1)
    assert [config.lr for config in seen] == [course.DEFAULT_CONFIG.lr, course.PRETRAINED_LR]
    assert course.PRETRAINED_LR < course.DEFAULT_CONFIG.lr
