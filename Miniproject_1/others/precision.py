"""Where the U-Net runs under bfloat16 autocast: the hardware's choice (CUDA devices that support it, CPUs
that compute bfloat16 natively). Callers may decide otherwise and pass their choice explicitly."""

from __future__ import annotations

import torch


def cpu_has_native_bfloat16() -> bool:
    """True when this CPU computes in bfloat16 natively (AVX-512 BF16 or AMX, read from /proc/cpuinfo on Linux).

    Without it oneDNN emulates bfloat16, and autocast made an Adam step of the U-Net about 10x *slower*
    on an AVX2-only EPYC (results/bench/precision.json), so it is used only where the hardware has it.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            flags = next((line for line in file if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


_NATIVE_CPU_BF16 = cpu_has_native_bfloat16()


def native_bfloat16(device: torch.device) -> bool:
    """bfloat16 autocast where it pays: CUDA devices that support it, CPUs with native bfloat16."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and _NATIVE_CPU_BF16


def resolve_bfloat16(bfloat16: bool | None, device: torch.device) -> bool:
    """``bfloat16`` if the caller chose (``True``/``False``), else :func:`native_bfloat16` for ``device``."""
    return native_bfloat16(device) if bfloat16 is None else bool(bfloat16)
