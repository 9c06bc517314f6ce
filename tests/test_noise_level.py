"""The noise level ``n2n serve`` shows: the wavelet estimate, in torch, agreeing with scikit-image's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from n2n.inference.noise_level import diagonal_details, noise_sigma


def smooth_picture(height: int = 96, width: int = 80) -> np.ndarray:
    """A smooth colour picture ``(H, W, 3)`` in [0, 255] (float64)."""
    y, x = np.mgrid[0:height, 0:width] / width
    return np.stack([0.5 + 0.3 * np.sin(3 * x + y), 0.4 + 0.2 * np.cos(2 * y), 0.3 + 0.1 * x], axis=-1) * 255


def as_batch(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None].float()


@pytest.mark.parametrize("sigma", [5, 15, 25])
def test_gaussian_noise_is_measured_within_five_percent(sigma) -> None:
    noisy = smooth_picture() + np.random.default_rng(sigma).normal(0, sigma, (96, 80, 3))
    assert noise_sigma(as_batch(noisy)) == pytest.approx(sigma, rel=0.05)


def test_a_clean_smooth_picture_has_almost_no_noise_and_a_flat_one_none() -> None:
    assert noise_sigma(as_batch(smooth_picture())) < 0.5
    assert noise_sigma(torch.full((1, 1, 16, 16), 7.0)) == 0.0


def test_agrees_with_scikit_image() -> None:
    restoration = pytest.importorskip("skimage.restoration")
    rng = np.random.default_rng(3)
    for sigma in (8, 20, 40):
        noisy = np.clip(smooth_picture() + rng.normal(0, sigma, (96, 80, 3)), 0, 255)
        reference = restoration.estimate_sigma(noisy / 255, channel_axis=-1, average_sigmas=True) * 255
        assert noise_sigma(as_batch(noisy)) == pytest.approx(reference, rel=0.05)


def test_the_details_are_the_daubechies_2_diagonal_band() -> None:
    pywt = pytest.importorskip("pywt")
    image = np.random.default_rng(0).normal(size=(20, 22))
    ours = diagonal_details(torch.from_numpy(image)[None, None])[0, 0].numpy()
    theirs = pywt.dwt2(image, "db2", mode="symmetric")[1][2]  # (11, 12): one more row and column at each edge
    assert ours.shape == (9, 10)
    assert np.allclose(ours, theirs[1:10, 1:11], atol=1e-12)  # the same away from the padded edges


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 4 x 4"):
        noise_sigma(torch.zeros(1, 3, 3, 10))
    with pytest.raises(ValueError, match="one image"):
        noise_sigma(torch.zeros(2, 3, 8, 8))
