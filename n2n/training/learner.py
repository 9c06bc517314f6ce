"""What a training step updates: a network, its optimiser and its learning-rate schedule."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Learner:
    """``network`` (possibly wrapped in DistributedDataParallel), the ``optimizer`` over its parameters and the
    ``scheduler`` stepped after every optimiser step (``None``: a constant rate)."""

    network: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None
