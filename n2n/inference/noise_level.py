"""An estimate of an image's noise level from the image alone: the one ``n2n serve`` shows beside each photo.

The classical wavelet estimate of Donoho & Johnstone (1994), the one the baselines get from scikit-image's
``estimate_sigma``, here in torch so that it needs no extra: the finest diagonal detail of a 2-D Daubechies-2
wavelet transform holds almost no image content in smooth regions, so its median absolute value over 0.6745
(the median of |Z| for a standard normal Z) is a robust estimate of the standard deviation of white Gaussian
noise. Per colour channel, then averaged over the channels. Edges and fine texture raise it, JPEG-smoothed or
clipped noise lowers it: it is a guide to how noisy a photo is, not a measurement.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# The Daubechies-2 decomposition high-pass filter (PyWavelets' dec_hi of "db2")
_ROOT3 = math.sqrt(3.0)
DB2_HIGH = torch.tensor([-(1 + _ROOT3), 3 + _ROOT3, -(3 - _ROOT3), 1 - _ROOT3], dtype=torch.float64) / (4 * math.sqrt(2.0))
MAD_TO_SIGMA = 0.6744897501960817  # the median of |Z| for a standard normal Z
MIN_SIDE = 4  # the filter's length: a smaller image has no detail coefficient
ROUNDING = 1e-6  # a flat region's coefficients are zero up to float rounding (the filter's sum is 1e-17, not 0)


def diagonal_details(images: torch.Tensor) -> torch.Tensor:
    """The finest diagonal (high-high) Daubechies-2 coefficients of ``images`` ``(N, C, H, W)``, each channel on its
    own, without padding: ``(N, C, (H - 4) // 2 + 1, (W - 4) // 2 + 1)`` in float64."""
    kernel = torch.outer(DB2_HIGH, DB2_HIGH).flip(0, 1)[None, None]  # a convolution: the filter reversed
    channels = images.shape[1]
    return F.conv2d(images.to(torch.float64), kernel.expand(channels, 1, 4, 4), stride=2, groups=channels)


def noise_sigma(images: torch.Tensor) -> float:
    """Estimated standard deviation of the noise of ``images`` ``(1, C, H, W)``, in their own scale (0-255 for n2n's
    float pixels), averaged over the C channels; ``ValueError`` for an image under 4 x 4 pixels."""
    if images.dim() != 4 or images.shape[0] != 1:
        raise ValueError(f"expected one image (1, C, H, W), got shape {tuple(images.shape)}")
    if min(images.shape[-2:]) < MIN_SIDE:
        raise ValueError(f"the noise level needs an image of at least {MIN_SIDE} x {MIN_SIDE} pixels, got {tuple(images.shape[-2:])}")
    details = diagonal_details(images)[0].flatten(1).abs()  # (C, count)
    sigmas = []
    for channel in details:
        nonzero = channel[channel > ROUNDING]  # flat regions (e.g. clipped) give zeros, which say nothing of the noise
        sigmas.append(float(nonzero.median()) / MAD_TO_SIGMA if nonzero.numel() else 0.0)
    return sum(sigmas) / len(sigmas)
