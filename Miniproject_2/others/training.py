"""Noise2Noise training on the framework: batch schedule, augmentation, and the training loop.

The schedule (which pairs form each batch, which of the 8 flips/rotations it gets, whether input
and target swap roles) comes from Python's ``random.Random(seed)``, so it is reproducible and can
be replayed exactly by a torch.nn twin for parity runs (``n2n.parity_mp2``).
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass

from torch import arange, cat

from .images import pad_to_multiple, to_unit
from .loss import MSE
from .optim import SGD, Adam
from .precision import autocast

OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class TrainConfig:
    batch_size: int = 32
    optimizer: str = "adam"  # "adam" or "sgd"
    lr: float = 2e-3
    final_lr_fraction: float = 0.1  # cosine decay of the rate over each train() call, down to this fraction
    momentum: float = 0.9  # SGD only
    augment: bool = True  # random flips/rotations (same for input and target) and input/target swaps
    seed: int = 0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.batch_size < 1 or not self.lr > 0 or not 0 <= self.final_lr_fraction <= 1:
            raise ValueError(f"invalid training configuration {asdict(self)}")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Batch:
    indices: list  # positions in the training set
    transform: int  # 0-7: rotation by transform % 4 quarter turns, then a left-right flip if >= 4
    swap: bool  # train target -> input instead of input -> target


def epoch_schedule(count: int, batch_size: int, rng: random.Random, augment: bool) -> list[Batch]:
    """One epoch: a random permutation of ``range(count)`` cut into batches (the last may be smaller)."""
    order = list(range(count))
    rng.shuffle(order)
    batches = []
    for start in range(0, count, batch_size):
        transform, swap = (rng.randrange(8), rng.random() < 0.5) if augment else (0, False)
        batches.append(Batch(order[start:start + batch_size], transform, swap))
    return batches


def dihedral(images, transform: int):
    """Apply one of the 8 symmetries of the square to ``(N, C, H, W)`` (H == W for odd turns)."""
    if transform % 4:
        images = images.rot90(transform % 4, dims=(2, 3))
    return images.flip(3) if transform >= 4 else images


def crop_to_multiple(images, multiple: int):
    """Crop ``(N, C, H, W)`` at the bottom/right to multiples of ``multiple`` (training only)."""
    height, width = images.shape[2] - images.shape[2] % multiple, images.shape[3] - images.shape[3] % multiple
    if height == 0 or width == 0:
        raise ValueError(f"training images must be at least {multiple}x{multiple} pixels, got {tuple(images.shape[2:])}")
    return images[:, :, :height, :width]


def make_optimizer(network, config: TrainConfig):
    if config.optimizer == "adam":
        return Adam(network.param(), lr=config.lr)
    return SGD(network.param(), lr=config.lr, momentum=config.momentum)


def learning_rate(config: TrainConfig, step: int, total: int) -> float:
    """Cosine decay from ``lr`` to ``lr * final_lr_fraction`` over ``total`` steps."""
    progress = step / max(1, total - 1)
    floor = config.lr * config.final_lr_fraction
    return floor + (config.lr - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def batch_tensors(inputs, targets, batch: Batch, device, dtype, multiple: int):
    """The batch's (input, target) pair as float ``(B, 3, H, W)`` in [0, 1], augmented."""
    index = arange(1).new_tensor(batch.indices)
    x = to_unit(crop_to_multiple(inputs[index], multiple), device, dtype)
    y = to_unit(crop_to_multiple(targets[index], multiple), device, dtype)
    if batch.swap:
        x, y = y, x
    return dihedral(x, batch.transform), dihedral(y, batch.transform)


class TrainingRun:
    """The batch schedule and learning rate of a training run of ``num_epochs`` epochs, one epoch
    at a time, for any ``train_step(x, y, lr) -> loss`` (the framework's, or a torch twin's).

    Two runs built with the same arguments feed identical batches in identical order."""

    def __init__(self, count: int, num_epochs: int, config: TrainConfig, seed_offset: int = 0) -> None:
        self.count, self.config = count, config
        self.rng = random.Random(config.seed + seed_offset)
        self.steps_per_epoch = math.ceil(count / config.batch_size)
        self.total_steps = num_epochs * self.steps_per_epoch
        self.step = 0

    def skip(self, epochs: int) -> None:
        """Advance the schedule by ``epochs`` epochs without training (to resume after them)."""
        for _ in range(epochs):
            epoch_schedule(self.count, self.config.batch_size, self.rng, self.config.augment)
            self.step += self.steps_per_epoch

    def epoch(self, train_step, inputs, targets, device, dtype, multiple: int = 4, on_step=None) -> float:
        """One pass over the ``(N, 3, H, W)`` pairs in [0, 255]; returns the mean training loss.

        ``on_step(step, loss)`` is called after every optimizer step."""
        if len(inputs) != self.count:
            raise ValueError(f"this run was planned for {self.count} pairs, got {len(inputs)}")
        running = 0.0
        for batch in epoch_schedule(self.count, self.config.batch_size, self.rng, self.config.augment):
            x, y = batch_tensors(inputs, targets, batch, device, dtype, multiple)
            value = train_step(x, y, learning_rate(self.config, self.step, self.total_steps))
            running += value * len(batch.indices)
            if on_step is not None:
                on_step(self.step, value)
            self.step += 1
        return running / self.count


def framework_step(network, optimizer, bfloat16: bool = False):
    """``train_step(x, y, lr) -> loss`` for a framework network: MSE, backward, optimizer step.
    ``bfloat16``: forward and backward under ``precision.autocast`` (the loss and the update stay float32)."""
    loss = MSE()

    def train_step(x, y, lr):
        optimizer.lr = lr
        optimizer.zero_grad()
        with autocast(bfloat16):
            value = float(loss(network(x), y))
            network.parameter_backward(loss.backward())
        optimizer.step()
        return value

    return train_step


def fit(network, optimizer, inputs, targets, num_epochs: int, config: TrainConfig, device, dtype, multiple: int = 4, on_epoch=None,
        seed_offset: int = 0, bfloat16: bool = False):
    """Train ``network`` in place on ``(N, 3, H, W)`` pairs in [0, 255] (uint8 or float).

    ``on_epoch(epoch, mean_loss)`` is called after each epoch. ``bfloat16``: bfloat16 products with float32
    master weights (``precision.autocast``; it pays only where ``precision.native_bfloat16()``). Returns the
    per-epoch mean losses."""
    run = TrainingRun(len(inputs), num_epochs, config, seed_offset)
    step, history = framework_step(network, optimizer, bfloat16), []
    network.train()
    for epoch in range(num_epochs):
        history.append(run.epoch(step, inputs, targets, device, dtype, multiple))
        if on_epoch is not None:
            on_epoch(epoch, history[-1])
    return history


def predict_batches(network, images, device, dtype, multiple: int, max_pixels: int = 1 << 22):
    """Denoise ``(N, 3, H, W)`` in [0, 255] -> float ``(N, 3, H, W)`` in [0, 255] on the input's device,
    in chunks of at most ``max_pixels`` pixels (at least one image). Restores the train/eval mode."""
    was_training = network.training
    network.eval()
    per_chunk = max(1, max_pixels // (images.shape[2] * images.shape[3]))
    outputs = []
    for start in range(0, images.shape[0], per_chunk):
        chunk = to_unit(images[start:start + per_chunk], device, dtype)
        padded, (height, width) = pad_to_multiple(chunk, multiple)
        outputs.append((network(padded)[:, :, :height, :width] * 255.0).clamp(0.0, 255.0).to(images.device))
    network.train(was_training)
    return cat(outputs, dim=0)
