"""Miniproject_1's train after loading weights: the held-out pairs, the clipping-proof score, and the guard that
keeps the starting weights when an epoch makes them worse."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

import Miniproject_1.model as model_module
from Miniproject_1.model import Model
from Miniproject_1.others.checkpoint import save_atomically
from Miniproject_1.others.heldout import heldout_error, held_out_count, index_keys, split_held_out
from Miniproject_1.others.unet import UNet
from n2n.metrics import psnr
from tests.mp1_helpers import noisy, smooth_images


def test_the_held_out_pairs_depend_on_the_keys_only() -> None:
    train, held = split_held_out(index_keys(100))
    assert len(held) == held_out_count(100) == 4 and sorted(train + held) == list(range(100))
    assert split_held_out(index_keys(100)) == (train, held)  # the same every time
    names = [f"photo{i}" for i in range(30)]
    chosen = {names[i] for i in split_held_out(names, 0.1)[1]}
    shuffled = names[::-1]
    assert {shuffled[i] for i in split_held_out(shuffled, 0.1)[1]} == chosen  # whatever the order
    assert held_out_count(1) == 0 and held_out_count(2) == 1 and held_out_count(10**6) == 2000


def test_the_absolute_score_is_not_fooled_by_clipping() -> None:
    """Near black, clipped noisy targets have a mean above the clean value: the squared error prefers a denoiser
    that outputs that biased mean, the absolute error the clean value."""
    generator = torch.Generator().manual_seed(0)
    clean = torch.full((64, 3, 16, 16), 6.0)
    first, second = ((clean + 25 * torch.randn(clean.shape, generator=generator)).clamp(0, 255).round() for _ in range(2))
    clipped_mean = float(second.mean())
    assert clipped_mean > 12  # the bias of clipping

    def constant(value: float):
        return lambda images: torch.full(images.shape, value)

    assert heldout_error(constant(6.0), first, second) < heldout_error(constant(clipped_mean), first, second)
    squared = lambda value: float(((constant(value)(first) - second) ** 2).mean())  # noqa: E731
    assert squared(clipped_mean) < squared(6.0)


@pytest.fixture
def trained_weights(tmp_path):
    """A small U-Net trained a little on smooth images, saved as a state_dict: "pretrained" weights."""
    torch.manual_seed(0)
    clean = smooth_images(256, seed=20)
    model = Model()
    model._set_network(UNet(width=8, depth=2))
    model.train(noisy(clean, seed=21), noisy(clean, seed=22), 1)
    path = tmp_path / "weights.pth"
    save_atomically(model.network.state_dict(), path)
    return path


def pairs(count: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    clean = smooth_images(count, seed=30)
    return noisy(clean, seed=31), noisy(clean, seed=32)


def test_a_harmful_epoch_is_undone(trained_weights, monkeypatch) -> None:
    model = Model()
    model.load_weights(trained_weights)
    start = {name: value.clone() for name, value in model.network.state_dict().items()}
    monkeypatch.setattr(model_module, "PRETRAINED_LR", 0.5)  # a deliberately harmful rate
    model.config = replace(model.config, lr=0.5)
    model.train(*pairs(), 1)
    assert [record["epoch"] for record in model.history] == [0, 1]
    assert model.history[1]["heldout_error"] > model.history[0]["heldout_error"]
    assert model.history[0]["kept"] and not model.history[1]["kept"]
    assert all(torch.equal(value, start[name]) for name, value in model.network.state_dict().items())


def test_a_helpful_epoch_is_kept(tmp_path, monkeypatch) -> None:
    torch.manual_seed(1)
    monkeypatch.setattr(model_module, "PRETRAINED_LR", 5e-3)  # enough for a few steps to move untrained weights
    untrained = tmp_path / "untrained.pth"
    save_atomically(UNet(width=8, depth=2).state_dict(), untrained)
    model = Model()
    model.load_weights(untrained)
    val_clean = smooth_images(32, seed=40)
    val_noisy = noisy(val_clean, seed=41)
    before = psnr(model.predict(val_noisy), val_clean)
    model.train(*pairs(1024), 2)
    errors = [record["heldout_error"] for record in model.history]
    assert model.history[2]["kept"] and errors[2] < errors[1] < errors[0], errors
    assert psnr(model.predict(val_noisy), val_clean) > before + 0.5


def test_from_scratch_trains_on_every_pair_as_before(monkeypatch) -> None:
    seen = []
    real_fit = model_module.fit

    def recording_fit(network, optimizer, inputs, targets, num_epochs, config, placement, on_epoch=None):
        seen.append((inputs.shape[0], config))
        return real_fit(network, optimizer, inputs, targets, num_epochs, config, placement, on_epoch)

    monkeypatch.setattr(model_module, "fit", recording_fit)
    model = Model()
    model.train(*pairs(40), 1)
    assert seen == [(40, model_module.TrainConfig())]  # all pairs, the from-scratch config (MSE, 2e-3)


@pytest.mark.parametrize("errors, kept", [([10.0, 9.95, 9.0], 2), ([10.0, 9.95, 9.92], 0), ([10.0, 9.8, 9.85], 1)])
def test_a_fine_tuned_epoch_must_beat_the_start_by_the_margin(monkeypatch, errors, kept) -> None:
    """Held-out gains below MIN_GAIN (1 %) do not replace the starting weights; above it the lowest error wins."""
    import Miniproject_1.others.finetune as finetune

    scripted = iter(errors)
    monkeypatch.setattr(finetune, "heldout_error", lambda predict, first, second: next(scripted))
    network = UNet(width=4, depth=1)
    start = {name: value.clone() for name, value in network.state_dict().items()}
    history = finetune.fine_tune(network, torch.optim.Adam(network.parameters(), lr=1e-2), *pairs(20), 2,
                                 model_module.TrainConfig(batch_size=4, loss="l1"),
                                 model_module.Placement(torch.device("cpu"), bfloat16=False))
    assert [record["epoch"] for record in history if record["kept"]] == [kept]
    assert all(torch.equal(value, start[name]) for name, value in network.state_dict().items()) == (kept == 0)
