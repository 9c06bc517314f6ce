"""The Noise2Noise training loop: Adam, warm-up + cosine learning-rate schedule, L2 (or L1) loss, augmentation.

Works on one process or under DistributedDataParallel (the caller wraps the network and passes a
:class:`Placement` with its ``rank``/``world_size``); the sample order comes from a ``DistributedSampler`` in
both cases, so a run on W processes with batch B/W each sees the same global batches as one process with
batch B. Tensors are channels-last on every device (measured ~25% faster per step on this CPU, and what
CUDA tensor cores want); the forward pass runs under bfloat16 autocast where the hardware computes it
natively (:mod:`.precision`) unless the caller decides otherwise. :func:`train_step` takes any loss function.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DistributedSampler

from .augment import augment_pair
from .precision import resolve_bfloat16


@dataclass
class TrainConfig:
    """Hyper-parameters of the training loop (``batch_size`` is the global batch over all processes)."""

    batch_size: int = 32
    lr: float = 2e-3
    final_lr_ratio: float = 0.02
    warmup_steps: int = 50
    augment: bool = True
    swap: bool = True  # input/target swapping: only for symmetric (noisy, noisy) pairs, never for Noise2Clean
    seed: int = 0
    loss: str = "mse"  # "mse" (the Noise2Noise estimator of the mean) or "l1" (of the median; see LOSSES)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Placement:
    """Where an epoch runs: the ``device``, this process's ``rank`` among ``world_size`` DistributedDataParallel
    processes (each trains on its shard of every global batch; one process by default), and whether the forward
    pass runs under bfloat16 autocast (``None``: where the hardware computes it natively)."""

    device: torch.device
    rank: int = 0
    world_size: int = 1
    bfloat16: bool | None = None


# Losses of train_epoch on [0, 1] images. "l1" learns the median of the targets, which clipping noisy uint8
# targets to [0, 255] does not move for noise symmetric about the clean value (others/heldout.py says why).
LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {"mse": F.mse_loss, "l1": F.l1_loss}


def loss_named(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss function called ``name`` in :data:`LOSSES`; ``ValueError`` naming the known ones otherwise."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}")
    return LOSSES[name]


def lr_factor(step: int, total_steps: int, warmup_steps: int, final_ratio: float) -> float:
    """Linear warm-up to 1 over ``warmup_steps``, then cosine decay to ``final_ratio`` at ``total_steps``."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return final_ratio + (1.0 - final_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def make_scheduler(optimizer: torch.optim.Optimizer, total_steps: int, config: TrainConfig) -> torch.optim.lr_scheduler.LambdaLR:
    warmup = min(config.warmup_steps, max(1, total_steps // 10))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total_steps, warmup, config.final_lr_ratio)
    )


def steps_per_epoch(num_pairs: int, config: TrainConfig, world_size: int = 1) -> int:
    per_rank = math.ceil(num_pairs / world_size)
    return math.ceil(per_rank / max(1, config.batch_size // world_size))


def to_unit(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``(N, C, H, W)`` in [0, 255] (any dtype) -> float32 in [0, 1] on ``device``."""
    return images.to(device=device, non_blocking=True).float().div_(255.0)


def train_epoch(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    pairs: tuple[torch.Tensor, torch.Tensor],
    config: TrainConfig,
    epoch: int,
    placement: Placement,
    on_step: Callable[[float], None] | None = None,
) -> float:
    """One pass over the ``(N, C, H, W)`` pairs ``(inputs, targets)`` (values in [0, 255]); returns the mean loss.

    The loss is ``config.loss`` on [0, 1]-scaled images: by default the mean squared error, the Noise2Noise
    estimator for zero-mean noise. ``placement``: the device, this process's shard (DistributedDataParallel) and precision.
    """
    inputs, targets = pairs
    rank, world_size = placement.rank, placement.world_size
    network.train()
    sampler = DistributedSampler(range(inputs.shape[0]), num_replicas=world_size, rank=rank, shuffle=True, seed=config.seed)
    sampler.set_epoch(epoch)
    order = torch.tensor(list(sampler), dtype=torch.long)
    local_batch = max(1, config.batch_size // world_size)
    generator = torch.Generator().manual_seed(config.seed * 1_000_003 + epoch * 7919 + rank)
    loss = loss_named(config.loss)
    total, count = 0.0, 0
    for start in range(0, order.numel(), local_batch):
        index = order[start : start + local_batch]
        x, y = to_unit(inputs[index], placement.device), to_unit(targets[index], placement.device)
        if config.augment:
            x, y = augment_pair(x, y, generator, swap=config.swap)
        value = train_step(network, optimizer, scheduler, x, y, loss, placement.bfloat16)
        total, count = total + value * index.numel(), count + index.numel()
        if on_step is not None:
            on_step(value)
    return total / max(1, count)


def train_step(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.mse_loss,
    bfloat16: bool | None = None,
) -> float:
    """One optimiser step on float ``(N, C, H, W)`` batches in [0, 1] (on the training device); returns the loss.

    Channels-last; the forward pass under bfloat16 autocast if ``bfloat16`` (``None``: where the hardware
    computes it natively, :func:`~.precision.native_bfloat16`). ``loss(outputs, targets)`` -> a scalar, computed
    in float32 (default: the mean squared error).
    """
    device = inputs.device
    x, y = inputs.contiguous(memory_format=torch.channels_last), targets.contiguous(memory_format=torch.channels_last)
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=resolve_bfloat16(bfloat16, device)):
        output = network(x)
    return apply_loss(optimizer, scheduler, loss(output.float(), y))


def apply_loss(
    optimizer: torch.optim.Optimizer, scheduler: torch.optim.lr_scheduler.LRScheduler | None, loss: torch.Tensor
) -> float:
    """Back-propagate the scalar ``loss``, take the optimiser (and schedule) step; returns the loss value."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    return float(loss.detach())


def fit(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    num_epochs: int,
    config: TrainConfig,
    where: torch.device | Placement,
    on_epoch: Callable[[int, nn.Module], dict | None] | None = None,
) -> list[dict]:
    """Train ``num_epochs`` epochs with a fresh schedule over them; returns per-epoch ``{epoch, loss, seconds}``.

    ``where``: the device (one process, the hardware's precision) or a :class:`Placement`.
    ``on_epoch(epoch, network)`` runs after each epoch (1-based); a dict it returns (for example a
    validation PSNR) is merged into that epoch's record.
    """
    if num_epochs == 0:
        return []
    placement = where if isinstance(where, Placement) else Placement(torch.device(where))
    for group in optimizer.param_groups:
        group["lr"] = group["initial_lr"] = config.lr
    scheduler = make_scheduler(optimizer, num_epochs * steps_per_epoch(inputs.shape[0], config), config)
    history = []
    for epoch in range(num_epochs):
        start = time.perf_counter()
        loss = train_epoch(network, optimizer, scheduler, (inputs, targets), config, epoch, placement)
        record = {"epoch": epoch + 1, "loss": loss, "seconds": time.perf_counter() - start}
        if on_epoch is not None:
            record.update(on_epoch(epoch + 1, network) or {})
        history.append(record)
    return history
