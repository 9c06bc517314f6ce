"""Reading and writing network weights (plain state_dicts, loadable with ``weights_only=True``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from .unet import UNet, arch_from_state_dict

MINIPROJECT2_TAG = b"n2n-miniproject2-checkpoint"  # format tag at the start of Miniproject_2's files

HOW_TO_GET = (
    "train one with `n2n train --data cache/data/train_data.pkl --val data/val_data.pkl --out CHECKPOINT.pth`, "
    "or restore the shipped file with `git checkout Miniproject_1/bestmodel.pth`"
)


def load_state_dict(path: str | Path) -> dict:
    """Load a UNet state_dict from ``path``; ``FileNotFoundError``/``ValueError`` with a hint if missing/corrupt."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found; {HOW_TO_GET}")
    with path.open("rb") as file:
        if MINIPROJECT2_TAG in file.read(256):
            raise ValueError(f"{path} is a Miniproject_2 checkpoint, not a Miniproject_1 one: load it with "
                             "Miniproject_2's Model, or `n2n denoise --checkpoint` (which picks the engine from the file)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types (pickle, zip, runtime) for a damaged file
        raise ValueError(f"checkpoint {path} is corrupt or not a PyTorch file ({error.__class__.__name__}); {HOW_TO_GET}") from None
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]  # a resumable training checkpoint
    if not isinstance(state, dict):
        raise ValueError(f"checkpoint {path} does not hold a state_dict; {HOW_TO_GET}")
    return state


def network_from_state_dict(state: dict, path: str | Path = "checkpoint") -> UNet:
    """Build the UNet that ``state`` describes and load the weights into it (on the CPU)."""
    try:
        network = UNet(**arch_from_state_dict(state))
        network.load_state_dict(state)
    except (ValueError, RuntimeError) as error:
        raise ValueError(f"{path} is not a Miniproject_1 UNet state_dict ({error}); {HOW_TO_GET}") from None
    return network


def load_network(path: str | Path) -> UNet:
    """The UNet stored at ``path`` (architecture read from the tensor shapes)."""
    return network_from_state_dict(load_state_dict(path), path)


def save_atomically(obj: object, path: str | Path) -> None:
    """``torch.save`` to a temporary file in the same folder, then rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            torch.save(obj, stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
