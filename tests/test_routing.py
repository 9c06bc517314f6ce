"""n2n's default denoiser routes each photo by its noise (:mod:`n2n.inference.routing`)."""

from __future__ import annotations

import numpy as np
import torch

import n2n
from n2n.data.noise import parse_noise
from n2n.inference import denoisers
from n2n.inference.photo import denoise_photo
from n2n.inference.routing import JPEG_CAMERA_WEIGHTS, NoiseRoutedDenoiser
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


def test_the_default_model_is_the_router_with_the_shipped_networks() -> None:
    from n2n.api import DEFAULT_MODEL

    assert DEFAULT_MODEL == "auto" and JPEG_CAMERA_WEIGHTS.is_file()
    state = torch.load(JPEG_CAMERA_WEIGHTS, weights_only=True)  # loads without running code
    assert isinstance(state, dict)
    white = noisy("gaussian:25")[0].permute(1, 2, 0).numpy()
    jpeg = noisy("gaussian:25,jpeg:90:420")[0].permute(1, 2, 0).numpy()
    assert np.array_equal(n2n.denoise(white), n2n.denoise(white, model="miniproject1"))
    assert np.array_equal(n2n.denoise(jpeg), n2n.denoise(jpeg, model="jpeg-camera"))
    assert not np.array_equal(n2n.denoise(jpeg), n2n.denoise(jpeg, model="miniproject1"))
    assert isinstance(denoisers.get("auto"), NoiseRoutedDenoiser)


def test_adapt_and_ensemble_work_through_the_router() -> None:
    white = noisy("gaussian:25")[0].permute(1, 2, 0).numpy()
    adapted = n2n.denoise(white, adapt=1)
    assert adapted.shape == white.shape and adapted.dtype == white.dtype
    jpeg = noisy("gaussian:25,jpeg:90:420")[0].permute(1, 2, 0).numpy()
    assert np.array_equal(n2n.denoise(jpeg, adapt=1), n2n.denoise(jpeg))  # declined: the chosen network alone
