"""The Noise2Self self-check of ``n2n denoise --adapt`` (:mod:`n2n.inference.self_check`)."""

from __future__ import annotations

import pytest
import torch

from n2n.inference.self_check import GRID, OFFSETS, central_region, masked_score, neighbour_mean


def test_neighbour_mean_by_hand() -> None:
    image = torch.arange(9, dtype=torch.float32).view(1, 1, 3, 3)
    # centre: (1 + 3 + 5 + 7) / 4; corner (0, 0) with reflection: (1 + 3 + 1 + 3) / 4
    means = neighbour_mean(image)
    assert means[0, 0, 1, 1] == 4.0 and means[0, 0, 0, 0] == 2.0


def test_identity_scores_the_neighbour_mean_error_at_hidden_pixels() -> None:
    torch.manual_seed(0)
    noisy = torch.randint(0, 256, (1, 3, 12, 16), dtype=torch.uint8)
    image = noisy.float()
    filled = neighbour_mean(image)
    hidden = torch.zeros(12, 16, dtype=torch.bool)
    for row, column in OFFSETS:
        hidden[row::GRID, column::GRID] = True
    expected = (filled - image).abs()[..., hidden].mean().item()  # mean absolute error (clipping-safe)
    assert masked_score(lambda x: x, noisy) == pytest.approx(expected, rel=1e-6)
    assert masked_score(lambda x: x, noisy, region=None) == pytest.approx(expected, rel=1e-6)


def test_only_the_central_region_is_scored() -> None:
    image = torch.arange(10 * 14, dtype=torch.float32).view(1, 1, 10, 14)
    assert torch.equal(central_region(image, 4), image[..., 3:7, 5:9])
    assert torch.equal(central_region(image, 12), image[..., :, 1:13])
    shapes = []
    masked_score(lambda batch: shapes.append(tuple(batch.shape)) or batch, torch.zeros(1, 3, 40, 30), region=16)
    assert shapes == [(1, 3, 16, 16)] * len(OFFSETS)


def test_the_denoiser_never_sees_the_values_it_is_scored_on() -> None:
    seen = []
    noisy = torch.randint(0, 256, (1, 3, 8, 8), dtype=torch.uint8)

    def spy(batch: torch.Tensor) -> torch.Tensor:
        seen.append(batch.clone())
        return batch

    masked_score(spy, noisy)
    for (row, column), batch in zip(OFFSETS, seen):
        changed = batch[0, 0, row::GRID, column::GRID] != noisy.float()[0, 0, row::GRID, column::GRID]
        assert torch.equal(batch[0, 0, row::GRID, column::GRID], neighbour_mean(noisy.float())[0, 0, row::GRID, column::GRID])
        assert changed.any()


def test_a_better_denoiser_scores_lower() -> None:
    generator = torch.Generator().manual_seed(1)
    y, x = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
    clean = (100 + 80 * torch.sin(3 * x + 2 * y)).expand(1, 3, 64, 64)
    noisy = (clean + 20 * torch.randn(clean.shape, generator=generator)).clamp(0, 255)

    def blur(batch: torch.Tensor) -> torch.Tensor:  # a 5x5 box filter: a decent denoiser of a smooth image
        return torch.nn.functional.avg_pool2d(torch.nn.functional.pad(batch, (2, 2, 2, 2), mode="reflect"), 5, stride=1)

    assert masked_score(blur, noisy) < masked_score(lambda batch: batch, noisy)


def test_bad_inputs_are_reported() -> None:
    with pytest.raises(ValueError, match="one image"):
        masked_score(lambda x: x, torch.zeros(2, 3, 8, 8))
    with pytest.raises(ValueError, match="2x2"):
        masked_score(lambda x: x, torch.zeros(1, 3, 1, 8))
