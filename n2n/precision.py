"""n2n's precision policy for Miniproject_1's U-Net: bfloat16 autocast where the hardware computes it natively
(``Miniproject_1.others.precision``), unless ``N2N_PRECISION=float32`` (or ``bfloat16``) in the environment
says otherwise. Every n2n command that trains or runs the U-Net passes this choice to Miniproject_1, whose
course code decides by the hardware alone."""

from __future__ import annotations

import os

import torch

from Miniproject_1.others.precision import cpu_has_native_bfloat16, native_bfloat16

ENVIRONMENT_VARIABLE = "N2N_PRECISION"
CHOICES = ("float32", "bfloat16")

__all__ = ["CHOICES", "ENVIRONMENT_VARIABLE", "cpu_has_native_bfloat16", "requested_bfloat16", "use_bfloat16"]


def use_bfloat16(device: torch.device) -> bool:
    """Whether to run the U-Net under bfloat16 autocast on ``device``: ``N2N_PRECISION`` if it names one of
    :data:`CHOICES` (bfloat16 only where the device supports it), else the hardware's choice."""
    forced = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
    if forced in CHOICES:
        return forced == "bfloat16" and (device.type != "cuda" or torch.cuda.is_bf16_supported())
    return native_bfloat16(device)


def requested_bfloat16() -> bool:
    """Whether ``N2N_PRECISION=bfloat16`` asks for bfloat16 explicitly. The from-scratch framework's mixed precision
    (``Miniproject_2.others.precision``) is off by default and follows only this explicit request."""
    return os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() == "bfloat16"
