"""Training epochs on a :class:`n2n.data.patches.PatchStream` (``n2n train --photos``).

An "epoch" here is a fixed number of optimiser steps (``--steps-per-epoch``), each on a batch drawn
afresh from the photos; batch ``k`` of process ``rank`` depends only on ``(seed, k, rank)``, so a
resumed run continues with exactly the batches it would have seen.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from Miniproject_1.others.training import noise_normalised_weights, to_unit, train_step
from n2n.data.patches import PatchStream, batch_generator
from n2n.training.distill import ensemble_targets

# Loss name -> the power of the noise variance each crop's MSE is divided by (None: plain MSE).
LOSS_POWERS = {"mse": None, "noise-normalised": 1.0, "std-normalised": 0.5}
LOSSES = tuple(LOSS_POWERS)


def train_stream_epoch(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    stream: PatchStream,
    steps: int,
    batch_size: int,
    seed: int,
    epoch: int,
    device: torch.device,
    rank: int = 0,
    world_size: int = 1,
    on_step: Callable[[float], None] | None = None,
    loss: str = "mse",
    teacher: nn.Module | None = None,
    teacher_symmetries: int = 8,
) -> float:
    """``steps`` steps of global batch ``batch_size`` (``batch_size // world_size`` per process); the mean loss.

    ``loss``: ``"mse"``, ``"noise-normalised"`` or ``"std-normalised"`` (each crop's MSE divided by its
    noise variance or standard deviation, estimated from the two noisy copies, see
    :func:`Miniproject_1.others.training.noise_normalised_weights`). ``teacher``: the targets are its
    self-ensemble on the inputs over ``teacher_symmetries`` symmetries
    (:func:`n2n.training.distill.ensemble_targets`) instead of the stream's.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if teacher is not None and loss != "mse":
        raise ValueError(f"teacher targets are noise-free: train them with the mse loss, not {loss!r}")
    power = LOSS_POWERS[loss]
    network.train()
    local_batch = max(1, batch_size // world_size)
    total = 0.0
    for k in range(steps):
        generator = batch_generator(seed, epoch * steps + k, rank)
        inputs, targets = stream.batch(local_batch, generator)
        x = to_unit(inputs, device)
        y = to_unit(targets, device) if teacher is None else ensemble_targets(teacher, x, teacher_symmetries, generator)
        weights = None if power is None else noise_normalised_weights(x, y, noisy_targets=stream.target == "noisy", power=power)
        value = train_step(network, optimizer, scheduler, x, y, device, weights)
        total += value
        if on_step is not None:
            on_step(value)
    return total / max(1, steps)
