"""``n2n.inference.grey`` and ``n2n.inference.photo``: grey photos are found from the noise alone and kept grey."""

from __future__ import annotations

import pytest
import torch

from n2n.data.noise import parse_noise
from n2n.inference.grey import colour_evidence, is_grey, project_grey, wants_grey
from n2n.inference.photo import denoise_photo, finish_grey
from n2n.inference.tiling import denoise_tiled


def scene(height: int = 96, width: int = 128, seed: int = 0) -> torch.Tensor:
    """A clean colour photo ``(1, 3, H, W)`` in [0, 255]: smooth waves, different in each channel."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.arange(height, dtype=torch.float32)[:, None]
    x = torch.arange(width, dtype=torch.float32)[None, :]
    phases = torch.rand(3, generator=generator) * 6
    channels = [127 + 80 * torch.sin(x / (6 + 3 * c) + y / (9 + 2 * c) + phases[c]) for c in range(3)]
    return torch.stack(channels).unsqueeze(0)


def greyed(image: torch.Tensor) -> torch.Tensor:
    return image.mean(1, keepdim=True).expand(-1, 3, -1, -1)


def noisy(clean: torch.Tensor, spec: str, seed: int) -> torch.Tensor:
    return parse_noise(spec).corrupt(clean.round().clamp(0, 255).to(torch.uint8), torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("spec", ["gaussian:5", "gaussian:25", "gaussian:50", "poisson"])
def test_noisy_grey_photos_are_grey_and_noisy_colour_photos_are_not(spec: str) -> None:
    for seed in range(3):
        assert is_grey(noisy(greyed(scene(seed=seed)), spec, seed))
        assert not is_grey(noisy(scene(seed=seed), spec, seed))


def test_faint_colour_over_a_large_area_and_a_small_strong_object_count_as_colour() -> None:
    grey = greyed(scene(256, 256))
    tinted = grey.clone()
    tinted[:, 0] += 3.0  # a 3-level red tint, invisible under sigma-50 noise pixel by pixel (seen above ~1.7 here)
    assert all(not is_grey(noisy(tinted, "gaussian:50", seed)) for seed in range(3))
    spot = grey.clone()
    spot[:, 0, 100:116, 40:56] = 250.0  # one 16 x 16 red object
    assert not is_grey(noisy(spot, "gaussian:25", 2))
    assert is_grey(noisy(grey, "gaussian:50", 1))


def test_exact_cases_and_tiny_images() -> None:
    flat_grey = torch.full((1, 3, 32, 32), 90, dtype=torch.uint8)
    assert colour_evidence(flat_grey) == 0.0 and is_grey(flat_grey)
    flat_colour = flat_grey.clone()
    flat_colour[:, 2] = 91  # constant colour has no sampling error at all
    assert not is_grey(flat_colour)
    assert not is_grey(torch.full((1, 3, 8, 64), 90, dtype=torch.uint8))  # too small: never called grey
    assert not is_grey(torch.full((1, 3, 64, 16), 90, dtype=torch.uint8))  # 16 px wide leaves 15 neighbour differences
    with pytest.raises(ValueError, match="at least 16 rows and 17 columns"):
        colour_evidence(torch.full((1, 3, 64, 16), 90, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"\(1, 3, H, W\)"):
        colour_evidence(torch.zeros(2, 3, 32, 32))


def test_projection_keeps_the_channel_mean_and_never_moves_further_from_a_grey_truth() -> None:
    clean = greyed(scene())
    output = clean + torch.randn(clean.shape, generator=torch.Generator().manual_seed(0)) * 10
    projected = project_grey(output)
    assert projected.dtype == torch.float32 and projected.shape == output.shape
    assert torch.allclose(projected[:, 0], projected[:, 2]) and torch.allclose(projected.mean(1), output.mean(1), atol=1e-4)
    assert (projected - clean).pow(2).mean() < (output - clean).pow(2).mean()


def test_modes() -> None:
    grey_noisy, colour_noisy = noisy(greyed(scene()), "gaussian:25", 0), noisy(scene(), "gaussian:25", 0)
    assert wants_grey(grey_noisy, "auto") and not wants_grey(colour_noisy, "auto")
    assert wants_grey(colour_noisy, "yes") and not wants_grey(grey_noisy, "no")
    with pytest.raises(ValueError, match="grey mode must be one of auto, yes, no"):
        wants_grey(grey_noisy, "sometimes")
    output, made_grey = finish_grey(colour_noisy.float(), colour_noisy, "auto")
    assert not made_grey and torch.equal(output, colour_noisy.float())


def test_denoise_photo_is_tiled_denoising_then_the_grey_step() -> None:
    def halve_red(images: torch.Tensor) -> torch.Tensor:  # a "denoiser" that leaves colour behind
        out = images.float().clone()
        out[:, 0] *= 0.5
        return out

    grey_noisy, colour_noisy = noisy(greyed(scene(200, 300)), "gaussian:15", 0), noisy(scene(200, 300), "gaussian:15", 0)
    output, made_grey = denoise_photo(halve_red, grey_noisy, tile=128, overlap=32)
    assert made_grey and torch.allclose(output, project_grey(denoise_tiled(halve_red, grey_noisy, tile=128, overlap=32)))
    output, made_grey = denoise_photo(halve_red, colour_noisy, tile=128, overlap=32)
    assert not made_grey and torch.equal(output, denoise_tiled(halve_red, colour_noisy, tile=128, overlap=32))
    output, made_grey = denoise_photo(halve_red, grey_noisy, grey="no")
    assert not made_grey and not torch.allclose(output[:, 0], output[:, 1])


def test_grey_detection_experiment_scores_clean_and_noisy_copies() -> None:
    from experiments.grey_detection import scores

    colour = scene().round().to(torch.uint8)
    result = scores(colour, ["gaussian:25", "poisson"], seed=0)
    assert set(result) == {"clean", "gaussian:25", "poisson"} and min(result.values()) > 6
    grey = scores(project_grey(colour).round().to(torch.uint8), ["gaussian:25"], seed=0)
    assert grey["clean"] == 0.0 and grey["gaussian:25"] < 6


def test_a_greyscale_file_is_denoised_with_shifted_channels() -> None:
    from n2n.inference.photo import SHIFTS, same_noise_in_all_channels, shift

    seen = []

    def channel_mean(images: torch.Tensor) -> torch.Tensor:  # a "denoiser" that can only average across channels
        seen.append(images)
        return images.float().mean(1, keepdim=True).expand(-1, 3, -1, -1)

    clean = greyed(scene(64, 96)).round()
    noise = torch.randn((1, 1, 64, 96), generator=torch.Generator().manual_seed(0)) * 20
    greyscale = (clean[:, :1] + noise).round().clamp(0, 255).to(torch.uint8).expand(-1, 3, -1, -1)
    assert same_noise_in_all_channels(greyscale) and not same_noise_in_all_channels(noisy(greyed(scene(64, 96)), "gaussian:20", 0))
    output, made_grey = denoise_photo(channel_mean, greyscale)
    assert made_grey and torch.equal(output[:, 0], output[:, 2])
    assert not torch.equal(seen[0][:, 0], seen[0][:, 1])  # the network saw shifted, no longer identical, channels
    plain, _ = denoise_photo(channel_mean, greyscale, grey="no")
    error = lambda image: (image - clean).pow(2).mean().item()
    assert error(output) < 0.6 * error(plain)  # averaging noise from different pixels removes some of it
    assert torch.equal(shift(shift(clean, 0, 1), 0, -1)[..., :-1], clean[..., :-1]) and len(SHIFTS) == 3


def test_greyscale_files_experiment_names_a_missing_checkpoint(tmp_path) -> None:
    from experiments.greyscale_files import greyscale_noisy, main

    with pytest.raises(SystemExit, match="nope.pth"):
        main(["--checkpoint", str(tmp_path / "nope.pth"), "--out", str(tmp_path / "out.json")])
    assert not (tmp_path / "out.json").exists()
    noisy_file = greyscale_noisy(torch.full((1, 3, 16, 16), 100, dtype=torch.uint8), 10.0, seed=0)
    assert torch.equal(noisy_file[:, 0], noisy_file[:, 2]) and not torch.equal(noisy_file[:, 0], torch.full((1, 16, 16), 100, dtype=torch.uint8))
