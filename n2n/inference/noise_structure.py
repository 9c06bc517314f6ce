"""Is a photo's noise independent from pixel to pixel? The question ``--adapt`` must ask first.

Noise2Self hides pixels and learns to predict them from their neighbours; if the noise of a hidden
pixel is correlated with its neighbours' (a JPEG with 4:2:0 or 4:2:2 chroma averages the chroma over
2 x 2 or 2 x 1 blocks), the copy learns to reproduce the noise instead of removing it.

The test looks at the finest scale, where natural photos hold little signal: the 2 x 2 checkerboard
component of each channel, ``(a - b - c + d) / 2`` over each 2 x 2 block. Pixel-independent noise
puts as much energy there in the chroma (each channel minus the channel mean) as anywhere; chroma
subsampling removes it. :func:`chroma_checkerboard_ratio` is the median chroma energy over the
median luma energy of those components (medians: robust to edges): about 4.4 for independent noise
of equal strength in the three channels, whatever its level.

Measured on the 6 validation photos at short side 512 (the decision threshold was set from these,
never from the reserved photos): Gaussian sigma 3-50, Poisson and Gaussian then JPEG 4:4:4 gave
1.4-4.7 (1.4 only at sigma 3 on a mostly black photo); Gaussian or camera noise then JPEG 4:2:0 or
4:2:2 gave 0.00-0.54. :data:`THRESHOLD` = 1.0 lies between. Not detected: camera noise saved without
chroma subsampling (2.3-3.4), whose demosaicing correlates neighbouring pixels more weakly; there the
self-check of ``--adapt`` is what guards.
"""

from __future__ import annotations

import torch

THRESHOLD = 1.0


def chroma_checkerboard_ratio(image: torch.Tensor) -> float:
    """Median chroma over median luma energy of the 2 x 2 checkerboard components of ``image (3, H, W)`` in [0, 255]."""
    if image.dim() != 3 or image.shape[0] != 3 or min(image.shape[1:]) < 2:
        raise ValueError(f"expected one RGB image (3, H, W) of at least 2 x 2 pixels, got {tuple(image.shape)}")
    x = image.float()
    h, w = x.shape[1] // 2 * 2, x.shape[2] // 2 * 2
    x = x[:, :h, :w]
    checker = (x[:, 0::2, 0::2] - x[:, 0::2, 1::2] - x[:, 1::2, 0::2] + x[:, 1::2, 1::2]) / 2
    luma = checker.mean(dim=0)
    chroma = checker - luma
    luma_energy = float(luma.pow(2).median())
    chroma_energy = float(chroma.pow(2).sum(dim=0).median()) / 2
    return chroma_energy / max(luma_energy, 1e-6)


def correlated_noise_reason(image: torch.Tensor) -> str | None:
    """Why ``image (3, H, W)``'s noise is not pixel-independent (one line for the user), or ``None`` if it may be.

    An image whose three channels are equal (a greyscale file) has no chroma to test and passes."""
    if torch.equal(image[0], image[1]) and torch.equal(image[1], image[2]):
        return None
    ratio = chroma_checkerboard_ratio(image)
    if ratio >= THRESHOLD:
        return None
    return (f"its colour noise is shared by neighbouring pixels (finest-scale chroma ratio {ratio:.2f}, about 4.4 for "
            f"pixel-independent noise and under {THRESHOLD:g} here), as in a JPEG saved with chroma subsampling")
