"""Noise models: statistics, shared parameters, independence, determinism."""

from __future__ import annotations

import pytest
import torch

from n2n.data.noise import (
    NOISE_MODELS,
    GaussianNoise,
    MixedNoise,
    PixelateNoise,
    PoissonNoise,
    block_average,
    parse_noise,
)


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def flat(value: int, n: int = 64, size: int = 32) -> torch.Tensor:
    return torch.full((n, 3, size, size), value, dtype=torch.uint8)


def test_registry_and_parse():
    assert set(NOISE_MODELS) == {"gaussian", "poisson", "pixelate", "mixed"}
    assert parse_noise("gaussian:25").sigma == (25.0, 25.0)
    assert parse_noise("gaussian:10-30").sigma == (10.0, 30.0)
    assert parse_noise("poisson:30").peak == (30.0, 30.0)
    assert parse_noise("pixelate:2").blocks == (2,)
    assert isinstance(parse_noise("MIXED"), MixedNoise)
    for bad in ["speckle", "gaussian:abc", "gaussian:30-10", "poisson:0", "pixelate:x", "mixed:3"]:
        with pytest.raises(ValueError):
            parse_noise(bad)


@pytest.mark.parametrize("spec", ["gaussian", "poisson", "pixelate", "mixed", "gaussian:25"])
def test_outputs_are_uint8_same_shape_and_deterministic(spec):
    clean = torch.randint(0, 256, (20, 3, 32, 32), dtype=torch.uint8)
    model = parse_noise(spec)
    a, b = model.corrupt_pair(clean, generator(1))
    a2, b2 = model.corrupt_pair(clean, generator(1))
    assert a.dtype == b.dtype == torch.uint8 and a.shape == b.shape == clean.shape
    assert torch.equal(a, a2) and torch.equal(b, b2)
    assert not torch.equal(a, b)
    single = model.corrupt(clean.float(), generator(2))
    assert single.dtype == torch.uint8 and single.shape == clean.shape
    assert isinstance(model.describe(), dict) and model.describe()["name"] == spec.split(":")[0]


def test_gaussian_sigma_and_independent_copies():
    clean = flat(128, n=200)
    a, b = GaussianNoise(sigma=(25, 25)).corrupt_pair(clean, generator())
    noise_a, noise_b = a.float() - 128, b.float() - 128
    assert noise_a.std().item() == pytest.approx(25, abs=0.3)
    assert noise_a.mean().item() == pytest.approx(0, abs=0.2)
    correlation = (noise_a * noise_b).mean() / (noise_a.std() * noise_b.std())
    assert abs(correlation.item()) < 0.01


def test_raw_second_copy_is_the_unclipped_zero_mean_draw():
    clean = flat(250, n=200)  # near white: clipping biases the noisy copies downwards
    a, b = GaussianNoise(sigma=(25, 25)).corrupt_pair(clean, generator(3))
    a_raw, b_raw = GaussianNoise(sigma=(25, 25)).corrupt_pair(clean, generator(3), raw_second=True)
    assert torch.equal(a, a_raw) and b_raw.dtype == torch.float32
    assert torch.equal(b_raw.clamp(0, 255).round().to(torch.uint8), b)  # same draw, before clipping
    assert b_raw.max() > 255
    assert b_raw.mean().item() == pytest.approx(250, abs=0.2)
    assert b.float().mean().item() < 245  # the clipped copy's mean is not the clean value


def test_unclipped_copy_is_the_first_copy_of_a_pair_before_clipping():
    clean = flat(250, n=200)
    a, _ = GaussianNoise(sigma=(25, 25)).corrupt_pair(clean, generator(3))
    noisy, unclipped = GaussianNoise(sigma=(25, 25)).corrupt_unclipped(clean, generator(3))
    assert torch.equal(noisy, a) and unclipped.dtype == torch.float32
    assert torch.equal(unclipped.clamp(0, 255).round().to(torch.uint8), noisy)
    assert unclipped.mean().item() == pytest.approx(250, abs=0.2) and noisy.float().mean().item() < 245


def test_gaussian_range_per_image_sigma_shared_by_the_pair():
    a, b = GaussianNoise().corrupt_pair(flat(128, n=300), generator())
    sigma_a = (a.float() - 128).flatten(1).std(dim=1)
    sigma_b = (b.float() - 128).flatten(1).std(dim=1)
    assert sigma_a.min() > 4 and sigma_a.max() < 51
    assert sigma_a.max() - sigma_a.min() > 30  # really drawn per image
    assert torch.allclose(sigma_a, sigma_b, rtol=0.1)  # same sigma for both copies


def test_poisson_variance_matches_the_peak():
    peak = 30.0
    a, b = PoissonNoise(peak=(peak, peak)).corrupt_pair(flat(128, n=200), generator())
    expected_std = (peak * 128 / 255) ** 0.5 * 255 / peak
    assert (a.float() - 128).std().item() == pytest.approx(expected_std, rel=0.03)
    assert a.float().mean().item() == pytest.approx(128, abs=0.5)
    assert abs(((a.float() - 128) * (b.float() - 128)).mean().item()) < 5  # independent photons


def test_poisson_is_signal_dependent():
    dark = PoissonNoise(peak=(30, 30)).corrupt(flat(20), generator()).float().std()
    bright = PoissonNoise(peak=(30, 30)).corrupt(flat(230), generator()).float().std()
    assert bright > 2 * dark


def test_block_average_is_constant_on_shifted_blocks():
    images = torch.rand(2, 3, 11, 13) * 255
    out = block_average(images, 3, (1, 2))
    # Rows 1-3 and columns 2-4 form one full cell.
    cell = images[:, :, 1:4, 2:5]
    assert torch.allclose(out[:, :, 1:4, 2:5], cell.mean(dim=(2, 3), keepdim=True).expand_as(cell))
    # The partial cell in the corner averages only the pixel inside the image.
    assert torch.allclose(out[:, :, 0, 0:2], images[:, :, 0, 0:2].mean(dim=2, keepdim=True))


def test_pixelate_has_block_structure_with_independent_phases():
    clean = torch.randint(0, 256, (16, 3, 32, 32), dtype=torch.uint8)
    a, b = PixelateNoise(blocks=(2,), sigma=(0, 0)).corrupt_pair(clean, generator())

    def is_blocky(image: torch.Tensor) -> bool:
        for py in range(2):
            for px in range(2):
                expected = block_average(image[None].float(), 2, (py, px))[0].round()
                if torch.equal(expected, image.float()):
                    return True
        return False

    assert all(is_blocky(image) for image in a) and all(is_blocky(image) for image in b)
    assert not torch.equal(a, b)  # different grid phases for the two copies
    noisy = PixelateNoise(blocks=(3,), sigma=(15, 15)).corrupt(flat(128), generator())
    assert (noisy.float() - 128).std().item() == pytest.approx(15, abs=0.5)


def test_mixed_uses_every_model_and_both_copies_share_it():
    clean = flat(128, n=600)
    model = MixedNoise()
    params = model.sample_params(600, generator())
    counts = torch.bincount(params["choice"], minlength=3)
    assert (counts > 150).all()
    a, b = model.corrupt_pair(clean, generator())
    # Poisson at 128 with peak <= 60 has std >= 19; pixelated flat images have sigma <= 15.
    std_a = (a.float() - 128).flatten(1).std(dim=1)
    std_b = (b.float() - 128).flatten(1).std(dim=1)
    assert torch.allclose(std_a, std_b, rtol=0.15, atol=0.5)


def test_clipped_gaussian_bias_matches_the_clipped_noise_it_describes():
    from experiments.mp1_clip_bias import clipped_gaussian_bias

    values = torch.tensor([0.0, 10.0, 60.0, 128.0, 200.0, 245.0, 255.0])
    samples = (values + 25 * torch.randn(200_000, values.numel(), generator=generator(4))).clamp(0, 255)
    measured = samples.mean(dim=0) - values
    exact = clipped_gaussian_bias(values, 25.0)
    assert torch.allclose(exact.float(), measured, atol=0.15)
    assert exact[3].abs() < 1e-3  # mid-grey: the clip almost never acts
    assert exact[0] > 9 and exact[-1] < -9  # at black / white: about sigma / sqrt(2 pi) = 10


def test_plus_joined_specs_weigh_repeated_models_more():
    model = parse_noise("gaussian:0-55+gaussian:0-55+poisson+pixelate")
    assert isinstance(model, MixedNoise) and len(model.models) == 4
    assert model.models[0].describe() == model.models[1].describe()
    choice = model.sample_params(4000, torch.Generator().manual_seed(0))["choice"]
    gaussian_share = float((choice <= 1).float().mean())
    assert 0.47 < gaussian_share < 0.53
    for bad in ("gaussian+", "mixed+poisson", "gaussian+nope"):
        with pytest.raises(ValueError):
            parse_noise(bad)
