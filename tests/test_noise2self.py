"""The Noise2Self L1 fine-tuning loss of ``n2n denoise --adapt`` (:mod:`n2n.training.noise2self`)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from n2n.training.noise2self import GRID, grid_mask, masked_input, neighbour_mean, noise2self_loss, train_noise2self


class Constant(nn.Module):
    """``f(x) = b`` everywhere, one trainable value: its best fit to noisy targets is a statistic of the noise."""

    multiple = 1

    def __init__(self, value: float) -> None:
        super().__init__()
        self.b = nn.Parameter(torch.tensor(float(value)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b.expand_as(x)


def test_grid_mask_hides_one_pixel_in_sixteen() -> None:
    mask = grid_mask(8, 12, 1, 2)
    assert mask.shape == (1, 1, 8, 12) and int(mask.sum()) == 8 * 12 // GRID**2
    assert mask[0, 0, 1, 2] and mask[0, 0, 5, 10] and not mask[0, 0, 0, 0]
    with pytest.raises(ValueError, match="grid offset"):
        grid_mask(8, 8, GRID, 0)


def test_the_network_never_sees_a_hidden_noisy_value() -> None:
    generator = torch.Generator().manual_seed(0)
    noisy = torch.rand(2, 3, 16, 16, generator=generator)
    mask = grid_mask(16, 16, 3, 1)
    changed = torch.where(mask, torch.rand(noisy.shape, generator=generator), noisy)  # other hidden values
    assert torch.equal(masked_input(noisy, mask), masked_input(changed, mask))
    assert torch.equal(masked_input(noisy, mask)[~mask.expand_as(noisy)], noisy[~mask.expand_as(noisy)])


def test_loss_of_the_identity_by_hand() -> None:
    noisy = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8).sin().abs()
    mask = grid_mask(8, 8, 2, 3)
    hidden = mask.expand_as(noisy)
    expected = (neighbour_mean(noisy) - noisy).abs()[hidden].mean()
    assert noise2self_loss(nn.Identity(), noisy, mask).item() == pytest.approx(expected.item(), rel=1e-6)


def test_l1_fine_tuning_finds_the_clean_value_under_clipped_noise() -> None:
    """Near black, clipped Gaussian noise has a mean well above the clean value but the same median."""
    clean, sigma = 10.0, 50.0
    stream = torch.Generator().manual_seed(3)

    def draw(size: int, generator: torch.Generator) -> torch.Tensor:
        return (clean + sigma * torch.randn(size, 3, 16, 16, generator=stream)).clamp(0, 255).round().to(torch.uint8)

    sample = draw(64, stream).float()
    assert sample.mean() > clean + 10 and abs(sample.median() - clean) < 3  # what the test relies on
    network = Constant(0.5)
    losses = train_noise2self(network, draw, 400, lr=0.02, batch_size=4, seed=0, desc=None)
    assert len(losses) == 400 and not network.training
    assert abs(network.b.item() * 255 - clean) < 3
