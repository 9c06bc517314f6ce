"""``--adapt`` declines photos whose noise is shared by neighbouring pixels (:mod:`n2n.inference.noise_structure`)."""

from __future__ import annotations

import pytest
import torch

from Miniproject_1.others.inference import denoise
from Miniproject_1.others.unet import UNet
from n2n.data.noise import parse_noise
from n2n.inference.adapt import adapt
from n2n.inference.noise_structure import THRESHOLD, chroma_checkerboard_ratio, correlated_noise_reason


def textured(size: int = 96) -> torch.Tensor:
    """``uint8 (1, 3, size, size)``: smooth colour waves."""
    y, x = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij")
    image = torch.stack([128 + 80 * torch.sin(x / (6 + 2 * c) + y / (9 + c)) for c in range(3)])
    return image.round().to(torch.uint8)[None]


def noisy(spec: str, seed: int = 0) -> torch.Tensor:
    return parse_noise(spec).corrupt(textured(), torch.Generator().manual_seed(seed))[0]


@pytest.mark.parametrize("spec", ["gaussian:5", "gaussian:25", "poisson:30", "gaussian:15,jpeg:95:444", "camera:800"])
def test_pixel_independent_noise_passes(spec: str) -> None:
    image = noisy(spec)
    assert chroma_checkerboard_ratio(image) > THRESHOLD and correlated_noise_reason(image) is None


@pytest.mark.parametrize("spec", ["gaussian:15,jpeg:90:420", "gaussian:25,jpeg:98:422", "camera:3200,jpeg:90:420"])
def test_chroma_subsampled_noise_is_named(spec: str) -> None:
    image = noisy(spec)
    assert chroma_checkerboard_ratio(image) < THRESHOLD
    assert "shared by neighbouring pixels" in correlated_noise_reason(image)


def test_greyscale_images_and_bad_shapes() -> None:
    grey = noisy("gaussian:25")[:1].expand(3, -1, -1)
    assert correlated_noise_reason(grey) is None
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        chroma_checkerboard_ratio(torch.zeros(1, 8, 8))


def test_adapt_declines_correlated_noise_and_denoises_with_the_original() -> None:
    torch.manual_seed(0)
    network = UNet(width=8, depth=2)
    before = {k: v.clone() for k, v in network.state_dict().items()}
    image = noisy("gaussian:25,jpeg:90:420")[None]
    adapted = adapt(network, image, steps=3, batch_size=2, crop=32, desc=None)
    assert adapted.declined is not None and not adapted.kept and adapted.weight == 0.0 and adapted.steps == 0
    assert all(torch.equal(before[k], v) for k, v in network.state_dict().items())
    assert torch.equal(adapted(image), denoise(network, image, torch.device("cpu"), 4))
    assert adapted.summary().startswith("not adapted: its colour noise is shared by neighbouring pixels")
    white = adapt(network, noisy("gaussian:25")[None], steps=1, batch_size=2, crop=32, desc=None)
    assert white.declined is None and white.steps == 1
