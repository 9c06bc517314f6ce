"""Training epochs on a :class:`n2n.data.patches.PatchStream` (``n2n train --photos``).

An "epoch" here is a fixed number of optimiser steps (``--steps-per-epoch``), each on a batch drawn
afresh from the photos; batch ``k`` of process ``rank`` depends only on ``(seed, k, rank)``, so a
resumed run continues with exactly the batches it would have seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from Miniproject_1.others.training import Placement, to_unit, train_step
from n2n.data.patches import PatchStream, batch_generator
from n2n.training.distill import ensemble_targets
from n2n.training.learner import Learner
from n2n.training.losses import LOSSES, loss_function


@dataclass(frozen=True)
class StreamTraining:
    """An epoch on a stream: ``steps`` steps of global batch ``batch_size`` (``batch_size // world_size`` per
    process), crops drawn from ``seed``; the ``loss`` (:data:`n2n.training.losses.LOSSES`); and, for
    self-distillation, the ``teacher`` whose self-ensemble over ``teacher_symmetries`` symmetries are the targets
    (:func:`n2n.training.distill.ensemble_targets`) instead of the stream's."""

    steps: int
    batch_size: int
    seed: int
    loss: str = "mse"
    teacher: nn.Module | None = None
    teacher_symmetries: int = 8


def train_stream_epoch(learner: Learner, stream: PatchStream, settings: StreamTraining, epoch: int,
                       placement: Placement, on_step: Callable[[float], None] | None = None) -> float:
    """Epoch ``epoch`` (0-based) of ``settings.steps`` steps on ``stream``; returns the mean loss.

    ``placement``: the device, this process's rank among the DDP processes, and the precision. Step ``k`` of
    the epoch draws from ``batch_generator(seed, epoch * steps + k, rank)``."""
    if settings.loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {settings.loss!r}")
    if settings.teacher is not None and settings.loss != "mse":
        raise ValueError(f"teacher targets are noise-free: train them with the mse loss, not {settings.loss!r}")
    learner.network.train()
    local_batch = max(1, settings.batch_size // placement.world_size)
    device, steps = placement.device, settings.steps
    total = 0.0
    for k in range(steps):
        generator = batch_generator(settings.seed, epoch * steps + k, placement.rank)
        inputs, targets = stream.batch(local_batch, generator)
        x = to_unit(inputs, device)
        if settings.teacher is None:
            y = to_unit(targets, device)
        else:
            y = ensemble_targets(settings.teacher, x, settings.teacher_symmetries, generator)
        loss = loss_function(settings.loss, x, y, noisy_targets=stream.target == "noisy")
        value = train_step(learner.network, learner.optimizer, learner.scheduler, x, y, loss, placement.bfloat16)
        total += value
        if on_step is not None:
            on_step(value)
    return total / max(1, steps)
