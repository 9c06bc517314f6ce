"""The Python API's image types <-> the float ``(N, C, H, W)`` tensors in [0, 255] that the denoisers take.

Accepted (:func:`as_batch`): NumPy arrays ``(H, W)`` or ``(H, W, C)``, torch tensors ``(C, H, W)`` or
``(N, C, H, W)``, both of uint8, uint16, float32 or float64, and Pillow images (modes L, LA, RGB, RGBA,
I;16, I, F). ``C`` is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGB + alpha). Integers span their type's
range (0-255, 0-65535), floats [0, 1] as in scikit-image; the samples are scaled to [0, 255] as floats
without rounding, and back to the caller's type, dtype, shape (and device) by :attr:`Batch.restore`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

NETWORK_MAX = 255.0
# Noisy floats may overshoot [0, 1] a little (unclipped noise); further out is a scaling mistake.
FLOAT_MARGIN = 0.5
INTEGER_MAX = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
TORCH_DTYPES = {torch.uint8: np.dtype(np.uint8), torch.float32: np.dtype(np.float32), torch.float64: np.dtype(np.float64)}
if hasattr(torch, "uint16"):
    TORCH_DTYPES[torch.uint16] = np.dtype(np.uint16)
PIL_MODES = ("L", "LA", "RGB", "RGBA", "I;16", "I;16L", "I;16B", "I;16N", "I", "F")
SUPPORTED_DTYPES = "uint8, uint16, float32 or float64"


@dataclass
class Batch:
    """``images``: float32 ``(N, C, H, W)`` in [0, 255] on the CPU; ``restore``: maps such a tensor (the denoised
    images) back to the caller's type, dtype, shape and device; ``original``: the caller's image."""

    images: torch.Tensor
    restore: Callable[[torch.Tensor], Any]
    original: Any


def sample_maximum(dtype: np.dtype) -> float:
    """The value of full intensity for samples of ``dtype``: 255, 65535 or 1.0 (floats); ``ValueError`` otherwise."""
    dtype = np.dtype(dtype)
    if dtype in INTEGER_MAX:
        return float(INTEGER_MAX[dtype])
    if dtype in FLOAT_DTYPES:
        return 1.0
    raise ValueError(f"unsupported sample type {dtype}; images must be {SUPPORTED_DTYPES}")


def check_float_range(values: np.ndarray | torch.Tensor) -> None:
    """``ValueError`` unless float ``values`` are finite and within [0, 1] up to :data:`FLOAT_MARGIN`."""
    low, high = float(values.min()), float(values.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError("the image holds NaN or infinite values")
    if low < -FLOAT_MARGIN or high > 1.0 + FLOAT_MARGIN:
        hint = "; for an image in [0, 255] divide it by 255 (or pass it as uint8)" if high <= 255 + 128 else ""
        raise ValueError(f"float images hold values in [0, 1] (the scikit-image convention); this one spans "
                         f"[{low:g}, {high:g}]{hint}")


def numpy_to_network(pixels: np.ndarray) -> torch.Tensor:
    """``(H, W, C)`` uint8/uint16/float pixels -> float32 ``(1, C, H, W)`` in [0, 255], not rounded."""
    maximum = sample_maximum(pixels.dtype)
    if maximum == 1.0:
        check_float_range(pixels)
    scaled = pixels.astype(np.float32) if pixels.dtype == np.uint8 else pixels.astype(np.float64) * (NETWORK_MAX / maximum)
    return torch.from_numpy(np.ascontiguousarray(scaled, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0).contiguous()


def network_to_numpy(images: torch.Tensor, dtype: np.dtype) -> np.ndarray:
    """Float ``(1, C, H, W)`` in [0, 255] -> ``(H, W, C)`` of ``dtype``: integers rounded and clipped to their range,
    floats clipped to [0, 1]."""
    dtype = np.dtype(dtype)
    maximum = sample_maximum(dtype)
    values = images[0].detach().to("cpu", torch.float64).permute(1, 2, 0).numpy() * (maximum / NETWORK_MAX)
    if dtype.kind == "f":
        return np.ascontiguousarray(np.clip(values, 0.0, 1.0), dtype=dtype)
    return np.ascontiguousarray(np.clip(np.rint(values), 0, maximum), dtype=dtype)


def _numpy_batch(array: np.ndarray) -> Batch:
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 2, 3, 4)):
        hint = (" (channels first? use numpy.moveaxis(image, 0, -1))"
                if array.ndim == 3 and array.shape[0] in (1, 3, 4) else "")
        raise ValueError(f"a NumPy image must be (H, W) or (H, W, C) with C = 1 to 4 channels, got shape {array.shape}{hint}")
    sample_maximum(array.dtype)
    pixels = array[..., None] if array.ndim == 2 else array
    _check_size(pixels.shape[0], pixels.shape[1])
    shape, dtype = array.shape, array.dtype
    return Batch(numpy_to_network(pixels), lambda out: network_to_numpy(out, dtype).reshape(shape), array)


def _pil_batch(image) -> Batch:
    from PIL import Image

    if image.mode not in PIL_MODES:
        raise ValueError(f"Pillow images of mode {image.mode!r} are not supported; convert it first, e.g. "
                         "image.convert('RGB') (modes: L, LA, RGB, RGBA, I;16, I, F)")
    pixels = np.asarray(image)
    if image.mode.startswith("I;16"):
        pixels = pixels.astype(np.uint16)
    elif image.mode == "I":
        if pixels.size and (pixels.min() < 0 or pixels.max() > 65535):
            raise ValueError("a Pillow image of mode I must hold values in [0, 65535] (16-bit)")
        pixels = pixels.astype(np.uint16)
    mode, info = image.mode, dict(image.info)
    inner = _numpy_batch(pixels)

    def restore(out: torch.Tensor):
        restored = inner.restore(out)
        result = Image.fromarray(restored.astype(np.int32) if mode == "I" else restored)
        result.info.update(info)
        return result

    return Batch(inner.images, restore, image)


def _torch_batch(tensor: torch.Tensor) -> Batch:
    if tensor.dtype not in TORCH_DTYPES:
        raise ValueError(f"unsupported tensor dtype {tensor.dtype}; images must be {SUPPORTED_DTYPES}")
    if tensor.dim() not in (3, 4) or tensor.shape[-3] not in (1, 2, 3, 4):
        hint = " (channels last? use tensor.permute(2, 0, 1))" if tensor.dim() == 3 and tensor.shape[-1] in (1, 3, 4) else ""
        raise ValueError(f"a torch image must be (C, H, W) or (N, C, H, W) with C = 1 to 4 channels, got shape "
                         f"{tuple(tensor.shape)}{hint}")
    batch = tensor.detach().unsqueeze(0) if tensor.dim() == 3 else tensor.detach()
    if batch.shape[0] == 0:
        raise ValueError("an empty batch (N = 0) has nothing to denoise")
    _check_size(batch.shape[-2], batch.shape[-1])
    dtype = TORCH_DTYPES[tensor.dtype]
    samples = batch.to("cpu")
    samples = samples.to(torch.int32) if dtype == np.uint16 else samples  # few operations exist for torch.uint16
    maximum = sample_maximum(dtype)
    if maximum == 1.0:
        check_float_range(samples)
    images = samples.to(torch.float64 if dtype == np.uint16 else torch.float32) * (NETWORK_MAX / maximum)
    shape, device, torch_dtype = tensor.shape, tensor.device, tensor.dtype

    def restore(out: torch.Tensor) -> torch.Tensor:
        values = out.detach().to("cpu", torch.float64) * (maximum / NETWORK_MAX)
        values = values.clamp(0, maximum) if dtype.kind == "f" else values.round().clamp(0, maximum).to(torch.int32)
        return values.to(torch_dtype).reshape(shape).to(device)

    return Batch(images.to(torch.float32).contiguous(), restore, tensor)


def _check_size(height: int, width: int) -> None:
    if height < 1 or width < 1:
        raise ValueError(f"an image needs at least one pixel, got {height} x {width}")


def as_batch(image: Any) -> Batch:
    """``image`` (see the module docstring) as a :class:`Batch`; ``TypeError`` for another type, ``ValueError`` for an
    unsupported dtype, shape, mode or value range."""
    if isinstance(image, np.ndarray):
        return _numpy_batch(image)
    if isinstance(image, torch.Tensor):
        return _torch_batch(image)
    if type(image).__module__.startswith("PIL."):
        return _pil_batch(image)
    raise TypeError(f"expected a NumPy array, a torch tensor or a Pillow image, got {type(image).__name__}")


def copy_image(image: Any) -> Any:
    """An independent copy of ``image`` (same type, dtype, shape, device)."""
    if isinstance(image, np.ndarray):
        return image.copy()
    if isinstance(image, torch.Tensor):
        return image.detach().clone()
    return image.copy()
