"""``experiments.blend_noisy``: adding back part of what a denoiser removed, and the best share."""

import torch

from experiments.blend_noisy import blend, blend_scores


def test_blend_is_the_output_at_zero_and_the_noisy_input_at_one() -> None:
    noisy = torch.tensor([[[[10.0, 200.0], [30.0, 255.0]]]]).expand(1, 3, 2, 2)
    output = torch.full((1, 3, 2, 2), 100.0)
    assert torch.equal(blend(output, noisy, 0.0), output.to(torch.uint8))
    assert torch.equal(blend(output, noisy, 1.0), noisy.to(torch.uint8))
    assert blend(output, noisy, 0.5).dtype == torch.uint8


def test_an_over_smoothing_denoiser_gains_from_adding_back_part_of_the_noisy_input() -> None:
    generator = torch.Generator().manual_seed(0)
    clean = 128 + 40 * torch.randn(1, 3, 64, 64, generator=generator)
    noisy = clean + 10 * torch.randn(1, 3, 64, 64, generator=generator)
    over_smoothed = 128 + 0.8 * (clean - 128)  # removed a fifth of the signal with the noise
    result = blend_scores(over_smoothed, noisy, clean.round().clamp(0, 255))
    assert result["best_alpha"] > 0 and result["best_gain"] > 0.5
    under_smoothed = clean + 0.3 * (noisy - clean)  # left part of the noise: a negative share helps
    assert blend_scores(under_smoothed, noisy, clean.round().clamp(0, 255))["best_alpha"] < 0
    exact = blend_scores(clean, noisy, clean.round().clamp(0, 255))  # nothing to add back
    assert exact["best_alpha"] == 0.0 and exact["best_gain"] == 0.0
