"""Classical denoisers to compare against: scikit-image NL-means and BM3D (PyPI ``bm3d``).

Each baseline is a callable ``noisy (N, 3, H, W) uint8/float in [0, 255] -> float (N, 3, H, W)``
like the entries of :mod:`n2n.inference.denoisers`, processing one image at a time. When no noise level is
given, it is estimated per image with ``skimage.restoration.estimate_sigma`` (a wavelet-based
median-absolute-deviation estimate of Gaussian noise), averaged over the colour channels.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from n2n.progress import bar


def _per_image(images: torch.Tensor, fn: Callable[[np.ndarray], np.ndarray], desc: str) -> torch.Tensor:
    """Apply ``fn`` (HxWx3 float in [0, 1] -> same) to each image of ``(N, 3, H, W)`` in [0, 255]."""
    out = torch.empty(images.shape, dtype=torch.float32)
    for i in bar(range(images.shape[0]), desc=desc, unit="image", leave=False):
        image = images[i].permute(1, 2, 0).to(torch.float64).numpy() / 255.0
        out[i] = torch.from_numpy(np.clip(fn(image), 0.0, 1.0) * 255.0).permute(2, 0, 1).float()
    return out


def estimated_sigma(image: np.ndarray) -> float:
    """Noise standard deviation of an ``H x W x 3`` image in [0, 1], in the same scale."""
    from skimage.restoration import estimate_sigma

    return float(estimate_sigma(image, channel_axis=-1, average_sigmas=True))


def nl_means(sigma: float | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
    """NL-means with patch 5, search window 13 and ``h = 0.8 sigma`` (scikit-image's suggested setting).

    ``sigma`` in [0, 255] units, or ``None`` to estimate it per image.
    """
    from skimage.restoration import denoise_nl_means

    def one(image: np.ndarray) -> np.ndarray:
        s = estimated_sigma(image) if sigma is None else sigma / 255.0
        return denoise_nl_means(image, h=0.8 * s, sigma=s, patch_size=5, patch_distance=6, fast_mode=True, channel_axis=-1)

    return lambda images: _per_image(images, one, "nl-means")


def bm3d(sigma: float | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
    """Colour BM3D (``bm3d.bm3d_rgb``) with noise level ``sigma`` in [0, 255] units, or estimated per image.

    An image whose three channels are identical (a greyscale file) gets greyscale BM3D (``bm3d.bm3d``) on one
    channel: ``bm3d_rgb`` divides by its zero colour and returns NaN there."""
    import bm3d as bm3d_package

    def one(image: np.ndarray) -> np.ndarray:
        s = max(estimated_sigma(image) if sigma is None else sigma / 255.0, 1e-3)
        if np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 1], image[..., 2]):
            grey = np.asarray(bm3d_package.bm3d(image[..., 0], sigma_psd=s)).reshape(image.shape[:2])
            return np.repeat(grey[..., None], 3, axis=2)
        return bm3d_package.bm3d_rgb(image, sigma_psd=s)

    return lambda images: _per_image(images, one, "bm3d")
