"""n2n's default denoiser routes each photo by its noise (:mod:`n2n.inference.routing`)."""

from __future__ import annotations

import numpy as np
import torch

import n2n
from n2n.data.noise import parse_noise
from n2n.inference import denoisers
from n2n.inference.photo import denoise_photo
import pytest

from n2n.inference.routing import (JPEG_CAMERA_WEAK_WEIGHTS, JPEG_CAMERA_WEIGHTS, WEAK_NOISE_THRESHOLD,
                                  NoiseLevelRoutedDenoiser, NoiseRoutedDenoiser, first_network, resolve)
from tests.test_noise_structure import textured


def noisy(spec: str, seed: int = 0) -> torch.Tensor:
    """``uint8 (1, 3, 96, 96)``."""
    return parse_noise(spec).corrupt(textured(), torch.Generator().manual_seed(seed))


def constant(value: float):
    """A fake denoiser returning ``value`` everywhere, counting its calls."""
    def denoise(images: torch.Tensor) -> torch.Tensor:
        denoise.calls += 1
        return torch.full(images.shape, value)
    denoise.calls = 0
    return denoise


def test_each_image_goes_to_the_network_of_its_noise() -> None:
    independent, correlated = constant(1.0), constant(2.0)
    router = NoiseRoutedDenoiser(independent, correlated)
    white, jpeg = noisy("gaussian:25"), noisy("gaussian:25,jpeg:90:420")
    assert router.choose(white) is independent and router.choose(jpeg[0]) is correlated
    out = router(torch.cat([white, jpeg]))
    assert out[0].eq(1).all() and out[1].eq(2).all()
    grey = white[:, :1].expand(-1, 3, -1, -1)  # a greyscale file: the course network and its channel shifts
    assert router.choose(grey) is independent


def test_the_choice_is_made_once_per_photo_before_tiling() -> None:
    independent, correlated = constant(1.0), constant(2.0)
    router = NoiseRoutedDenoiser(independent, correlated)
    photo = parse_noise("gaussian:25,jpeg:90:420").corrupt(textured(200), torch.Generator().manual_seed(1))
    denoised, _ = denoise_photo(router, photo, tile=64, overlap=16, grey="no")
    assert independent.calls == 0 and correlated.calls > 1 and denoised.eq(2).all()


def test_jpeg_and_camera_photos_go_to_the_network_of_their_noise_level() -> None:
    weak, strong = constant(1.0), constant(2.0)
    router = NoiseLevelRoutedDenoiser(weak, strong)
    quiet, loud = noisy("gaussian:10,jpeg:90:420"), noisy("gaussian:40,jpeg:90:420")
    assert router.choose(quiet) is weak and router.choose(loud[0]) is strong
    assert router(torch.cat([quiet, loud]))[:, 0, 0, 0].tolist() == [1.0, 2.0]
    assert NoiseLevelRoutedDenoiser(weak, strong, threshold=0.5).choose(quiet) is strong
    with pytest.raises(ValueError, match="positive"):
        NoiseLevelRoutedDenoiser(weak, strong, threshold=0)
    assert router.choose(quiet[..., :3, :]) is strong  # too small for an estimate: the network for every strength


def test_a_tiny_jpeg_is_denoised_not_refused() -> None:
    tiny = noisy("gaussian:10,jpeg:90:420")[:, :, :2, :40]
    auto = denoisers.get("auto")
    assert resolve(auto, tiny) is auto.correlated.strong  # JPEG noise, too small for a noise level
    pixels = tiny[0].permute(1, 2, 0).numpy()
    assert n2n.denoise(pixels).shape == pixels.shape


def test_routers_nest_and_resolve_to_one_network() -> None:
    independent, weak, strong = constant(0.0), constant(1.0), constant(2.0)
    router = NoiseRoutedDenoiser(independent, NoiseLevelRoutedDenoiser(weak, strong))
    assert resolve(router, noisy("gaussian:10,jpeg:90:420")) is weak
    assert resolve(router, noisy("gaussian:45,jpeg:75:420")) is strong
    assert resolve(router, noisy("gaussian:10")) is independent
    assert resolve(weak, noisy("gaussian:10")) is weak  # not a router: itself
    assert first_network(router) is independent and first_network(router.correlated) is weak
    photo = parse_noise("gaussian:10,jpeg:90:420").corrupt(textured(200), torch.Generator().manual_seed(2))
    denoised, _ = denoise_photo(router, photo, tile=64, overlap=16, grey="no")
    assert (independent.calls, strong.calls) == (0, 0) and weak.calls > 1 and denoised.eq(1).all()


def test_the_threshold_lies_between_the_weak_and_strong_noise_it_was_set_from() -> None:
    import json
    from pathlib import Path

    rows = json.loads((Path(__file__).resolve().parents[1] / "results/whole_photos/jpeg_noise_level.json").read_text())["rows"]
    median = {row["spec"]: row["median"] for row in rows}
    assert median["gaussian:15,jpeg:90:420"] < WEAK_NOISE_THRESHOLD < median["gaussian:25,jpeg:90:420"]
    assert median["camera:6400,jpeg:90:420"] < WEAK_NOISE_THRESHOLD


def test_the_default_model_is_the_router_with_the_shipped_networks() -> None:
    from n2n.api import DEFAULT_MODEL

    assert DEFAULT_MODEL == "auto"
    for weights in (JPEG_CAMERA_WEIGHTS, JPEG_CAMERA_WEAK_WEIGHTS):
        state = torch.load(weights, weights_only=True)  # loads without running code
        assert isinstance(state, dict)
    white = noisy("gaussian:25")[0].permute(1, 2, 0).numpy()
    jpeg = noisy("gaussian:25,jpeg:90:420")[0].permute(1, 2, 0).numpy()
    assert np.array_equal(n2n.denoise(white), n2n.denoise(white, model="miniproject1"))
    assert np.array_equal(n2n.denoise(jpeg), n2n.denoise(jpeg, model="jpeg-camera"))
    assert not np.array_equal(n2n.denoise(jpeg), n2n.denoise(jpeg, model="miniproject1"))
    auto = denoisers.get("auto")
    assert isinstance(auto, NoiseRoutedDenoiser) and isinstance(auto.correlated, NoiseLevelRoutedDenoiser)


def test_adapt_and_ensemble_work_through_the_router() -> None:
    white = noisy("gaussian:25")[0].permute(1, 2, 0).numpy()
    adapted = n2n.denoise(white, adapt=1)
    assert adapted.shape == white.shape and adapted.dtype == white.dtype
    jpeg = noisy("gaussian:25,jpeg:90:420")[0].permute(1, 2, 0).numpy()
    assert np.array_equal(n2n.denoise(jpeg, adapt=1), n2n.denoise(jpeg))  # declined: the chosen network alone
