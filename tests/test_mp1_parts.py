"""Miniproject_1 building blocks: padding, augmentation, learning-rate schedule."""

from __future__ import annotations

import torch

from Miniproject_1.others.augment import augment_pair, random_swap
from Miniproject_1.others.inference import pad_to_multiple
from Miniproject_1.others.training import TrainConfig, fit, lr_factor
from Miniproject_1.others.unet import UNet


def test_padding_reflects_when_possible_and_replicates_otherwise() -> None:
    image = torch.arange(15.0).view(1, 1, 3, 5)
    padded, size = pad_to_multiple(image, 4)
    assert size == (3, 5) and padded.shape == (1, 1, 4, 8)
    assert torch.equal(padded[..., :3, :5], image)
    assert torch.equal(padded[0, 0, 3, :5], image[0, 0, 1])  # reflect
    tiny, _ = pad_to_multiple(torch.ones(1, 1, 1, 1) * 7, 4)
    assert tiny.shape == (1, 1, 4, 4) and bool((tiny == 7).all())  # replicate


def test_augmentation_transforms_input_and_target_alike() -> None:
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(8, 3, 6, 6)
    for _ in range(10):
        a, b = augment_pair(images, images.clone(), generator)
        assert torch.equal(a, b)
        assert torch.allclose(a.sum(dim=(1, 2, 3)).sort().values, images.sum(dim=(1, 2, 3)).sort().values, atol=1e-4)


def test_swap_exchanges_whole_pairs() -> None:
    generator = torch.Generator().manual_seed(0)
    a, b = torch.zeros(64, 1, 2, 2), torch.ones(64, 1, 2, 2)
    x, y = random_swap(a, b, generator)
    assert torch.equal(x + y, torch.ones_like(x))
    swapped = x.flatten(1)[:, 0]
    assert 10 < int(swapped.sum()) < 54


def test_schedule_warms_up_then_decays() -> None:
    factors = [lr_factor(step, 100, 10, 0.02) for step in range(100)]
    assert factors[0] == 0.1 and abs(factors[9] - 1.0) < 1e-9
    assert all(a >= b for a, b in zip(factors[9:], factors[10:]))
    assert abs(factors[-1] - 0.02) < 1e-2


def test_fit_reports_each_epoch_to_the_callback() -> None:
    torch.manual_seed(0)
    network = UNet(width=4, depth=1)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    images = torch.randint(0, 256, (8, 3, 8, 8), dtype=torch.uint8)
    seen = []

    def on_epoch(epoch: int, net: torch.nn.Module) -> dict:
        seen.append((epoch, net is network))
        return {"val_psnr": float(epoch)}

    history = fit(network, optimizer, images, images, 2, TrainConfig(batch_size=4), torch.device("cpu"), on_epoch=on_epoch)
    assert seen == [(1, True), (2, True)]
    assert [record["val_psnr"] for record in history] == [1.0, 2.0]
    assert all({"epoch", "loss", "seconds"} <= set(record) for record in history)
