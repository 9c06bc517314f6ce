"""Mixed precision for the framework: bfloat16 matrix products, float32 master weights (a from-scratch autocast).

Inside ``with autocast():`` the layers that multiply matrices (``Conv2d``, ``TransposeConv2d``,
``Upsampling`` and the U-Net's fused blocks) take their float32 inputs, weights and incoming
gradients as bfloat16 (``compute``), so their products, their outputs and the activations between
them are bfloat16: half the memory traffic, and on a CPU with native bfloat16 (AVX-512 BF16, AMX)
faster products. Parameters, their gradients and the optimizer's state stay float32: each layer
adds its bfloat16 gradient into the float32 ``weight_grad``, and the optimizer updates float32
weights. Element-wise layers follow their input's dtype; ``MSE`` of a bfloat16 prediction against a
float32 target is float32 (type promotion). float64 tensors are never converted.

It is off by default. On a CPU without native bfloat16 the products are emulated and several times
slower than float32: ``native_bfloat16`` says whether this machine has it, and ``training.fit``'s
``bfloat16`` turns it on for a training run.
"""

from __future__ import annotations

from torch import empty

FLOAT32 = empty(0).dtype
BFLOAT16 = empty(0).bfloat16().dtype
_enabled = [False]  # a stack: the innermost autocast decides


class autocast:  # noqa: N801 - named like the context managers it mirrors
    """``with autocast():`` run the framework's matrix products in bfloat16 (``enabled=False``: float32)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = bool(enabled)

    def __enter__(self) -> "autocast":
        _enabled.append(self.enabled)
        return self

    def __exit__(self, *exc) -> None:
        _enabled.pop()


def is_autocast_enabled() -> bool:
    return _enabled[-1]


def compute(tensor):
    """``tensor`` as the matrix products take it: bfloat16 under ``autocast`` if it is float32, else unchanged."""
    if tensor is not None and _enabled[-1] and tensor.dtype == FLOAT32:
        return tensor.bfloat16()
    return tensor


def compute_dtype(dtype):
    """The dtype ``compute`` turns a ``dtype`` tensor into."""
    return BFLOAT16 if _enabled[-1] and dtype == FLOAT32 else dtype


def cpu_has_native_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU computes bfloat16 natively (the ``avx512_bf16`` or ``amx_bf16`` flag; Linux only)."""
    try:
        with open(cpuinfo, encoding="utf-8") as file:
            flags = next((line for line in file if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def native_bfloat16(device="cpu") -> bool:
    """Whether ``autocast`` pays on ``device``: a CPU with native bfloat16. CUDA devices are not probed (the
    course forbids the torch functions that would), so this says False for them; enable it explicitly."""
    return str(device).startswith("cpu") and cpu_has_native_bfloat16()
