"""A registry of shipped denoisers: name -> factory of a callable ``noisy (N, 3, H, W) -> float (N, 3, H, W)``.

Inputs are uint8 (or float) in [0, 255], outputs float in [0, 255]. Miniproject_2 adds its shipped
model with ``register("miniproject2", factory)``; ``n2n evaluate`` and ``n2n denoise`` use this table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

Denoiser = Callable[[torch.Tensor], torch.Tensor]
DENOISERS: dict[str, Callable[[], Denoiser]] = {}


def register(name: str, factory: Callable[[], Denoiser]) -> None:
    """Add a denoiser factory under ``name`` (called lazily, when the denoiser is first needed)."""
    DENOISERS[name] = factory


def miniproject1(checkpoint: str | Path | None = None, device: str | torch.device | None = None) -> Denoiser:
    """Miniproject_1's ``Model().predict`` with ``bestmodel.pth``, or the weights at ``checkpoint``; on ``device``
    (default: CUDA when available, else the CPU), at n2n's precision (:mod:`n2n.precision`: ``N2N_PRECISION``
    overrides the hardware's choice)."""
    from Miniproject_1.model import Model
    from n2n.precision import use_bfloat16

    model = Model()
    if device is not None:
        model.device = torch.device(device)  # the weights are moved there when loaded
    model.bfloat16 = use_bfloat16(model.device)
    if checkpoint is None:
        model.load_pretrained_model()
    else:
        model.load_weights(checkpoint)
    return model.predict


def get(name: str, device: str | torch.device | None = None) -> Denoiser:
    """Build the denoiser registered as ``name`` (on ``device``, when given); ``ValueError`` naming the known ones
    if unknown."""
    if name not in DENOISERS:
        raise ValueError(f"unknown denoiser {name!r}; known: {', '.join(sorted(DENOISERS))}")
    return DENOISERS[name]() if device is None else DENOISERS[name](device=device)


register("miniproject1", miniproject1)


def miniproject2(checkpoint: str | Path | None = None, device: str | torch.device | None = None) -> Denoiser:
    """Miniproject_2's ``Model().predict`` with ``bestmodel.pth``, or the course network or U-Net in a
    checkpoint written by ``n2n train --engine scratch``; on ``device`` (default: CUDA when available)."""
    device = None if device is None else str(torch.device(device))
    if checkpoint is None:
        from Miniproject_2.model import Model

        model = Model()
        if device is not None:
            model.device = device  # the network is built there when the weights are loaded
        model.load_pretrained_model()
        return model.predict
    from n2n.inference.scratch_denoiser import ScratchDenoiser

    return ScratchDenoiser(checkpoint, device=device)


register("miniproject2", miniproject2)


def jpeg_camera(checkpoint: str | Path | None = None, device: str | torch.device | None = None) -> Denoiser:
    """n2n's two networks for JPEG-saved and camera noise, each photo to the one for its noise level (with
    ``checkpoint``: those weights alone; :mod:`n2n.inference.routing`)."""
    from n2n.inference import routing

    return routing.jpeg_camera(checkpoint, device=device)


def auto(device: str | torch.device | None = None) -> Denoiser:
    """n2n's default: each photo to the network trained for its kind of noise (:mod:`n2n.inference.routing`)."""
    from n2n.inference import routing

    return routing.auto(device=device)


register("auto", auto)
register("jpeg-camera", jpeg_camera)


def from_checkpoint(path: str | Path, model: str | None = None, device: str | torch.device | None = None) -> Denoiser:
    """The denoiser of a checkpoint of either Miniproject, the engine picked from the file itself.

    ``model`` (``"miniproject1"``/``"miniproject2"``), when given, must match the file; a mismatch is a
    ``ValueError`` naming what the file is and the option that loads it."""
    from n2n.inference.checkpoints import check_model_matches

    kind = check_model_matches(path, model or "")
    return (miniproject1 if kind == "miniproject1" else miniproject2)(path, device=device)
