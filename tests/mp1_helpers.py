"""Tiny synthetic Noise2Noise data for the Miniproject_1 and CLI tests: smooth images + Gaussian noise."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def smooth_images(n: int, size: int = 32, seed: int = 0) -> torch.Tensor:
    """``(n, 3, size, size)`` float in [0, 255]: bicubic upsampling of random 4x4 colour grids."""
    generator = torch.Generator().manual_seed(seed)
    base = torch.rand(n, 3, max(1, size // 8), max(1, size // 8), generator=generator)
    return F.interpolate(base, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1) * 255


def noisy(clean: torch.Tensor, sigma: float = 25.0, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return (clean + sigma * torch.randn(clean.shape, generator=generator)).clamp(0, 255).round().to(torch.uint8)


def write_course_files(folder, pairs: int = 64, val: int = 16) -> tuple:
    """Write ``train.pkl`` (noisy_a, noisy_b) and ``val.pkl`` (noisy, clean) in ``folder``; return their paths."""
    clean = smooth_images(pairs, seed=0)
    train = folder / "train.pkl"
    torch.save((noisy(clean, seed=1), noisy(clean, seed=2)), train)
    clean_val = smooth_images(val, seed=3)
    val_path = folder / "val.pkl"
    torch.save((noisy(clean_val, seed=4), clean_val.round().to(torch.uint8)), val_path)
    return train, val_path
