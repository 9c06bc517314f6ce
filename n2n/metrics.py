"""Image quality metrics with the course's definitions."""

from __future__ import annotations

import torch


def psnr_per_image(denoised: torch.Tensor, clean: torch.Tensor, max_value: float = 255.0) -> torch.Tensor:
    """Per-image PSNR in dB, the course definition ``-10 log10(mse + 1e-8)`` on images scaled to [0, 1].

    ``denoised``, ``clean``: ``(N, C, H, W)`` in ``[0, max_value]`` (any dtype). Returns ``(N,)`` float64.
    """
    if denoised.shape != clean.shape:
        raise ValueError(f"PSNR needs tensors of the same shape, got {tuple(denoised.shape)} and {tuple(clean.shape)}")
    if denoised.dim() != 4:
        raise ValueError(f"PSNR expects (N, C, H, W) tensors, got shape {tuple(denoised.shape)}")
    a = denoised.detach().to(torch.float64) / max_value
    b = clean.detach().to(device=a.device, dtype=torch.float64) / max_value
    mse = ((a - b) ** 2).flatten(1).mean(dim=1)
    return -10.0 * torch.log10(mse + 1e-8)


def psnr(denoised: torch.Tensor, clean: torch.Tensor, max_value: float = 255.0) -> float:
    """Mean of the per-image PSNRs (dB) of two ``(N, C, H, W)`` batches in ``[0, max_value]``."""
    return float(psnr_per_image(denoised, clean, max_value).mean())
