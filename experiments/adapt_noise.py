"""Noise conditions for the ``--adapt`` experiment (:mod:`experiments.single_image`, part b).

Each condition corrupts a clean ``uint8 (1, 3, H, W)`` photo into a noisy ``uint8 (1, 3, H, W)``
copy (clipped to [0, 255], rounded, as the course data), deterministically from a seed; all are
pixel-wise independent and zero-mean before clipping, the assumption Neighbor2Neighbor needs:

- ``gaussian15``, ``gaussian25``, ``gaussian50``: Gaussian sigma = 15, 25, 50 (0-255 scale): noise the
  shipped model was trained on (:data:`SEEN`), where adapting must not lose;
- ``gaussian75``: Gaussian sigma = 75: beyond the training range of both Miniproject_1 models (the
  whole-photo 40x5: 0-55; the 32x3 course model: 5-50);
- ``varying5-50``: Gaussian whose sigma grows linearly from 5 at the left edge to 50 at the right edge
  (each level is within the training range; one that varies across an image is not);
- ``speckle``: multiplicative ``x + x * n``, ``n`` Gaussian with standard deviation 0.25
  (signal-dependent: about sigma = 32 at mid-grey, none in black).
"""

from __future__ import annotations

import hashlib
import json

import torch

CONDITIONS = ("gaussian15", "gaussian25", "gaussian50", "gaussian75", "varying5-50", "speckle")
SEEN = {"gaussian15", "gaussian25", "gaussian50"}  # the conditions within the shipped model's training noise
GAUSSIAN_SIGMAS = {"gaussian15": 15.0, "gaussian25": 25.0, "gaussian50": 50.0, "gaussian75": 75.0}
SPECKLE_STD = 0.25


def condition_seed(photo_id: str, condition: str, seed: int = 0) -> int:
    """A 63-bit generator seed from the SHA-256 of (photo id, condition, seed)."""
    text = json.dumps([str(photo_id), str(condition), int(seed)])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") & (2**63 - 1)


def corrupt(clean: torch.Tensor, condition: str, generator: torch.Generator) -> torch.Tensor:
    """``clean (N, 3, H, W)`` in [0, 255] -> noisy ``uint8 (N, 3, H, W)`` under ``condition`` (see the module doc)."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown noise condition {condition!r}; choose from {', '.join(CONDITIONS)}")
    x = clean.to(torch.float32)
    noise = torch.randn(x.shape, generator=generator)
    if condition in GAUSSIAN_SIGMAS:
        noisy = x + GAUSSIAN_SIGMAS[condition] * noise
    elif condition == "varying5-50":
        sigma = torch.linspace(5.0, 50.0, x.shape[-1]).view(1, 1, 1, -1)
        noisy = x + sigma * noise
    else:
        noisy = x + x * SPECKLE_STD * noise
    return noisy.clamp(0, 255).round().to(torch.uint8)


def noisy_photo(clean: torch.Tensor, photo_id: str, condition: str, seed: int = 0) -> torch.Tensor:
    """The deterministic noisy copy of one photo under ``condition``: independent of any other photo or condition."""
    return corrupt(clean, condition, torch.Generator().manual_seed(condition_seed(photo_id, condition, seed)))
