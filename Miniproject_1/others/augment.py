"""Training-time augmentation for Noise2Noise pairs.

Geometric transforms (the 8 symmetries of the square: rotations by 90 degrees and flips) are
applied identically to input and target, so the pair still shows the same scene. Swapping input
and target doubles the pairs for free: both copies are equally valid noisy observations.
"""

from __future__ import annotations

import torch


def random_symmetry(inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply one random rotation/flip to a whole ``(N, C, H, W)`` batch pair (same for both tensors)."""
    k, flip = torch.randint(0, 4, (2,), generator=generator).tolist()
    if k:
        inputs, targets = torch.rot90(inputs, k, (2, 3)), torch.rot90(targets, k, (2, 3))
    if flip % 2:
        inputs, targets = inputs.flip(3), targets.flip(3)
    return inputs, targets


def random_swap(inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Swap input and target of each ``(C, H, W)`` pair of the ``(N, C, H, W)`` batch with probability 1/2."""
    swap = (torch.rand(inputs.shape[0], generator=generator) < 0.5).to(inputs.device).view(-1, 1, 1, 1)
    return torch.where(swap, targets, inputs), torch.where(swap, inputs, targets)


def augment_pair(
    inputs: torch.Tensor, targets: torch.Tensor, generator: torch.Generator, swap: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random symmetry, then (if ``swap``) random swap, of a ``(N, C, H, W)`` batch pair."""
    inputs, targets = random_symmetry(inputs, targets, generator)
    return random_swap(inputs, targets, generator) if swap else (inputs, targets)
