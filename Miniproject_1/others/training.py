"""The Noise2Noise training loop: Adam, warm-up + cosine learning-rate schedule, L2 loss, augmentation.

Works on one process or under DistributedDataParallel (the caller wraps the network and passes
``rank``/``world_size``); the sample order comes from a ``DistributedSampler`` in both cases, so a
run on W processes with batch B/W each sees the same global batches as one process with batch B.
Tensors are channels-last on every device (measured ~25% faster per step on this CPU, and what
CUDA tensor cores want); on CUDA the forward pass also runs under bfloat16 autocast.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DistributedSampler

from .augment import augment_pair


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

    def as_dict(self) -> dict:
        return asdict(self)


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


def cpu_has_native_bfloat16() -> bool:
    """True when this CPU computes in bfloat16 natively (AVX-512 BF16 or AMX, read from /proc/cpuinfo on Linux).

    Without it oneDNN emulates bfloat16, and autocast made an Adam step of the U-Net about 10x *slower*
    on an AVX2-only EPYC (results/bench/precision.json), so it is used only where the hardware has it.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            flags = next((line for line in file if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


_NATIVE_CPU_BF16 = cpu_has_native_bfloat16()


def use_bfloat16(device: torch.device) -> bool:
    """bfloat16 autocast where it pays: CUDA devices that support it, CPUs with native bfloat16.

    ``N2N_PRECISION=float32`` (or ``bfloat16``) in the environment overrides the choice.
    """
    forced = os.environ.get("N2N_PRECISION", "").strip().lower()
    if forced in ("float32", "bfloat16"):
        return forced == "bfloat16" and (device.type != "cuda" or torch.cuda.is_bf16_supported())
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and _NATIVE_CPU_BF16


def to_unit(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``(N, C, H, W)`` in [0, 255] (any dtype) -> float32 in [0, 1] on ``device``."""
    return images.to(device=device, non_blocking=True).float().div_(255.0)


def train_epoch(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    config: TrainConfig,
    epoch: int,
    device: torch.device,
    rank: int = 0,
    world_size: int = 1,
    on_step: Callable[[float], None] | None = None,
) -> float:
    """One pass over the ``(N, C, H, W)`` pairs ``inputs``/``targets`` (values in [0, 255]); returns the mean loss.

    The loss is the mean squared error on [0, 1]-scaled images, the Noise2Noise estimator for
    zero-mean noise.
    """
    network.train()
    sampler = DistributedSampler(range(inputs.shape[0]), num_replicas=world_size, rank=rank, shuffle=True, seed=config.seed)
    sampler.set_epoch(epoch)
    order = torch.tensor(list(sampler), dtype=torch.long)
    local_batch = max(1, config.batch_size // world_size)
    generator = torch.Generator().manual_seed(config.seed * 1_000_003 + epoch * 7919 + rank)
    total, count = 0.0, 0
    for start in range(0, order.numel(), local_batch):
        index = order[start : start + local_batch]
        x, y = to_unit(inputs[index], device), to_unit(targets[index], device)
        if config.augment:
            x, y = augment_pair(x, y, generator, swap=config.swap)
        value = train_step(network, optimizer, scheduler, x, y, device)
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
    device: torch.device,
    weights: torch.Tensor | None = None,
) -> float:
    """One optimiser step on float ``(N, C, H, W)`` batches in [0, 1] on ``device``; returns the loss.

    Channels-last; the forward pass under bfloat16 autocast where :func:`use_bfloat16` says so, the
    loss (mean squared error) always in float32. ``weights`` ``(N,)``, if given, weight each
    sample's mean squared error (see :func:`noise_normalised_weights`).
    """
    x, y = inputs.contiguous(memory_format=torch.channels_last), targets.contiguous(memory_format=torch.channels_last)
    with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bfloat16(device)):
        output = network(x)
    if weights is None:
        return apply_loss(optimizer, scheduler, F.mse_loss(output.float(), y))
    per_sample = (output.float() - y).square().flatten(1).mean(dim=1)
    return apply_loss(optimizer, scheduler, (weights.to(per_sample) * per_sample).mean())


# Noise floor (on [0, 1]) of :func:`noise_normalised_weights`: crops with less noise than this weigh
# as if they had this much, so that near-clean crops do not dominate.
NOISE_FLOOR = 5.0 / 255.0


def noise_normalised_weights(inputs: torch.Tensor, targets: torch.Tensor, floor: float = NOISE_FLOOR,
                             noisy_targets: bool = True, power: float = 1.0) -> torch.Tensor:
    """Per-sample loss weights ``(N,)`` proportional to ``1 / (noise variance + floor**2) ** power``, mean 1.

    ``inputs``/``targets``: ``(N, C, H, W)`` on [0, 1], two independently noisy copies. Half the mean
    squared difference of the two copies estimates one copy's noise variance, without a clean image
    (``noisy_targets=False``: the targets are clean, and the whole difference is the noise).
    With plain MSE a blind network's loss (and its gradient noise, as the Noise2Noise target is
    noisy too) is dominated by the noisiest crops; these weights give every noise level a similar
    say. Each weight depends on one target pixel only through a mean over the whole crop, so the
    estimator stays (to that order) the Noise2Noise one. ``power`` 0.5 divides by the noise standard
    deviation instead: a gentler balance (a denoiser's error grows about like sigma, not sigma squared).
    """
    if power <= 0:
        raise ValueError(f"power must be positive, got {power}")
    variance = (inputs.float() - targets.float()).square().flatten(1).mean(dim=1) / (2 if noisy_targets else 1)
    weights = (variance + floor**2).pow(-power)
    return weights / weights.mean()


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
    device: torch.device,
    on_step: Callable[[float], None] | None = None,
    on_epoch: Callable[[int, nn.Module], dict | None] | None = None,
) -> list[dict]:
    """Train ``num_epochs`` epochs with a fresh schedule over them; returns per-epoch ``{epoch, loss, seconds}``.

    ``on_epoch(epoch, network)`` runs after each epoch (1-based); a dict it returns (for example a
    validation PSNR) is merged into that epoch's record.
    """
    if num_epochs == 0:
        return []
    for group in optimizer.param_groups:
        group["lr"] = group["initial_lr"] = config.lr
    scheduler = make_scheduler(optimizer, num_epochs * steps_per_epoch(inputs.shape[0], config), config)
    history = []
    for epoch in range(num_epochs):
        start = time.perf_counter()
        loss = train_epoch(network, optimizer, scheduler, inputs, targets, config, epoch, device, on_step=on_step)
        record = {"epoch": epoch + 1, "loss": loss, "seconds": time.perf_counter() - start}
        if on_epoch is not None:
            record.update(on_epoch(epoch + 1, network) or {})
        history.append(record)
    return history
