"""Training epochs on a :class:`n2n.data.patches.PatchStream` (``n2n train --photos``).

An "epoch" here is a fixed number of optimiser steps (``--steps-per-epoch``), each on a batch drawn
afresh from the photos; batch ``k`` of process ``rank`` depends only on ``(seed, k, rank)``, so a
resumed run continues with exactly the batches it would have seen.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from Miniproject_1.others.training import to_unit, train_step
from n2n.data.patches import PatchStream, batch_generator


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
) -> float:
    """``steps`` steps of global batch ``batch_size`` (``batch_size // world_size`` per process); the mean loss."""
    network.train()
    local_batch = max(1, batch_size // world_size)
    total = 0.0
    for k in range(steps):
        inputs, targets = stream.batch(local_batch, batch_generator(seed, epoch * steps + k, rank))
        value = train_step(network, optimizer, scheduler, to_unit(inputs, device), to_unit(targets, device), device)
        total += value
        if on_step is not None:
            on_step(value)
    return total / max(1, steps)
