"""``experiments.clip_bias_photos``: per-channel bias, the bias-free PSNR, and errors by clean tone."""

import math

import torch

from experiments.clip_bias_photos import TONES, bias_breakdown


def course_psnr(mse: float) -> float:
    """The course definition on [0, 1] (n2n.metrics.psnr), for a mean squared error in grey levels."""
    return -10 * math.log10(mse / 255**2 + 1e-8)


def test_a_constant_colour_cast_is_all_bias_and_lands_in_its_tone() -> None:
    clean = torch.full((1, 3, 8, 8), 120.0)
    clean[..., :4] = 2.0  # the left half near black
    output = clean.clone()
    output[:, 2, :, :4] += 4.0  # a blue cast in the shadows only
    result = bias_breakdown(output, clean)
    assert result["bias"] == [0.0, 0.0, 2.0]  # half of the blue pixels are 4 levels too bright
    assert math.isclose(result["psnr"], course_psnr(16 * 0.5 / 3), rel_tol=1e-9)
    # Without the per-channel mean the blue error is +-2 on every pixel: mse 4 / 3 per pixel and channel.
    assert math.isclose(result["psnr_without_bias"], course_psnr(4 / 3), rel_tol=1e-9)
    shadows, mid = result["tones"][0], result["tones"][2]
    assert (shadows["low"], shadows["high"]) == TONES[0] and shadows["share"] == 0.5
    assert math.isclose(shadows["mean_error"], 4 / 3) and math.isclose(shadows["mse"], 16 / 3)
    assert mid["mean_error"] == 0.0 and mid["mse"] == 0.0
    assert result["tones"][1]["share"] == 0.0 and result["tones"][1]["mse"] is None  # no clean value in [8, 32)


def test_an_unbiased_error_gains_nothing_from_removing_the_bias() -> None:
    clean = torch.full((1, 3, 4, 4), 100.0)
    output = clean.clone()
    output[..., ::2, :] += 3.0
    output[..., 1::2, :] -= 3.0
    result = bias_breakdown(output, clean)
    assert result["bias"] == [0.0, 0.0, 0.0]
    assert math.isclose(result["psnr"], result["psnr_without_bias"])
