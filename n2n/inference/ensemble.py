"""Self-ensemble at inference: average a denoiser over the 8 symmetries of the square.

A network trained with random flips and quarter turns (as every n2n network is) gives slightly
different answers for a rotated photo; undoing each symmetry on its output and averaging the 8
results removes part of the network's own error, at 8 times the cost. ``n2n denoise --ensemble``
and ``n2n evaluate --ensemble`` use it; measured gains are in the whole-photo table of docs/methods/shipped-model.md.
"""

from __future__ import annotations

import torch

from n2n.inference.denoisers import Denoiser

# (quarter turns, horizontal flip): the dihedral group of the square.
SYMMETRIES = tuple((turns, flip) for turns in range(4) for flip in (False, True))


def transform(images: torch.Tensor, turns: int, flip: bool) -> torch.Tensor:
    """``(N, C, H, W)`` -> flipped (last axis) if ``flip``, then turned ``turns`` quarter turns."""
    images = images.flip(-1) if flip else images
    return torch.rot90(images, turns, (-2, -1))


def untransform(images: torch.Tensor, turns: int, flip: bool) -> torch.Tensor:
    """The inverse of :func:`transform`."""
    images = torch.rot90(images, -turns, (-2, -1))
    return images.flip(-1) if flip else images


def self_ensemble(predict: Denoiser) -> Denoiser:
    """``predict`` averaged over :data:`SYMMETRIES`: ``(N, C, H, W)`` [0, 255] -> float32 ``(N, C, H, W)``."""

    def ensembled(images: torch.Tensor) -> torch.Tensor:
        total = None
        for turns, flip in SYMMETRIES:
            output = untransform(predict(transform(images, turns, flip).contiguous()).to(torch.float32), turns, flip)
            total = output if total is None else total.add_(output)
        return total.div_(len(SYMMETRIES))

    return ensembled
