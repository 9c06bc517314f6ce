"""The course's data files: ``torch.save`` of a tuple of two ``(N, 3, H, W)`` tensors.

- ``train_data.pkl``: ``(noisy_a, noisy_b)``, two independently corrupted copies of the same images;
- ``val_data.pkl``: ``(noisy, clean)``.

The tensors are ``uint8`` in [0, 255] (the course's files) or float. Files are loaded with
``torch.load(path, weights_only=True)``, which refuses arbitrary pickled objects.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import torch

from n2n.fileio import atomic_torch_save

ALLOWED_DTYPES = (torch.uint8, torch.float16, torch.bfloat16, torch.float32, torch.float64)


def validate_pair(tensors: object, source: str, names: tuple[str, str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Check ``tensors`` is a tuple/list of two ``(N, 3, H, W)`` uint8/float tensors of equal shape; return them."""
    expected = f"a tuple ({names[0]}, {names[1]}) of two (N, 3, H, W) uint8 or float tensors"
    if not isinstance(tensors, (tuple, list)) or len(tensors) != 2:
        kind = f"a {type(tensors).__name__}" + (f" of length {len(tensors)}" if isinstance(tensors, (tuple, list)) else "")
        raise ValueError(f"{source}: expected {expected}, found {kind}")
    for name, tensor in zip(names, tensors):
        if not isinstance(tensor, torch.Tensor):
            raise ValueError(f"{source}: {name} should be a tensor, found {type(tensor).__name__}; expected {expected}")
        if tensor.dtype not in ALLOWED_DTYPES:
            raise ValueError(f"{source}: {name} has dtype {tensor.dtype}; expected uint8 or float")
        if tensor.dim() != 4 or tensor.shape[1] != 3:
            raise ValueError(f"{source}: {name} has shape {tuple(tensor.shape)}; expected (N, 3, H, W)")
    first, second = tensors
    if first.shape != second.shape:
        raise ValueError(
            f"{source}: {names[0]} {tuple(first.shape)} and {names[1]} {tuple(second.shape)} have different shapes"
        )
    return first, second


def _load(path: str | os.PathLike) -> object:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such data file")
    if not zipfile.is_zipfile(path):  # torch.save has written zip archives since PyTorch 1.6
        raise ValueError(f"{path}: not a file written by torch.save (expected a tuple of two tensors)")
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except Exception as error:  # torch raises UnpicklingError, RuntimeError, EOFError, KeyError... for bad files
        if "weights only" in str(error).lower():
            reason = "it holds Python objects other than tensors, refused by torch.load(weights_only=True)"
        else:
            first_line = (str(error).strip().splitlines() or [""])[0][:120]
            reason = f"not a file written by torch.save ({type(error).__name__}: {first_line})"
        raise ValueError(f"{path}: cannot load a tuple of two tensors: {reason}") from error


def load_train_pairs(path: str | os.PathLike) -> tuple[torch.Tensor, torch.Tensor]:
    """Load a ``train_data.pkl``-style file; returns ``(noisy_a, noisy_b)``, each ``(N, 3, H, W)``."""
    return validate_pair(_load(path), str(path), ("noisy_a", "noisy_b"))


def load_val(path: str | os.PathLike) -> tuple[torch.Tensor, torch.Tensor]:
    """Load a ``val_data.pkl``-style file; returns ``(noisy, clean)``, each ``(N, 3, H, W)``."""
    return validate_pair(_load(path), str(path), ("noisy", "clean"))


def save_course_file(
    path: str | os.PathLike, tensors: tuple[torch.Tensor, torch.Tensor], overwrite: bool = False
) -> Path:
    """Validate and ``torch.save`` a tuple of two ``(N, 3, H, W)`` tensors atomically (contiguous, CPU)."""
    first, second = validate_pair(tensors, str(path), ("first", "second"))
    data = (first.detach().cpu().contiguous(), second.detach().cpu().contiguous())
    return atomic_torch_save(data, path, overwrite=overwrite)
