"""Training on single noisy images (Neighbor2Neighbor, :mod:`.neighbor2neighbor`): crops and the step loop.

- :class:`NoisyCrops`: random square crops of noisy images at their native resolution (never
  rescaled: downscaling would average the noise away and correlate it), one of the 8 symmetries of
  the square each; batch ``k`` depends only on the generator it is given.
- :func:`run_steps`: the optimiser steps shared by ``n2n train --single`` and :func:`train_single`
  (:class:`StepRange` which steps, :class:`Neighbor2NeighborLoss` the loss's settings).
- :func:`train_single`: a plain function that trains a network in place on a few noisy images
  (:class:`SingleTraining` its settings).
- :func:`check_crop`, :func:`check_steps`: the input checks, with errors that say the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from Miniproject_1.others.training import TrainConfig, make_scheduler, to_unit
from n2n.data.patches import PatchStream, batch_generator
from n2n.progress import bar
from n2n.training.learner import Learner
from n2n.training.neighbor2neighbor import GAMMA, gamma_at, neighbor2neighbor_step

# Step k's batch: uint8 (N, 3, crop, crop) noisy crops, the generator that drew them, and optionally
# (a third item) the same crops before clipping and rounding, float32 in [0, 255] (synthetic noise only).
DrawBatch = Callable[[int], tuple]


def check_steps(steps: int, what: str = "steps") -> int:
    """``steps`` as an int >= 1; else ``ValueError`` naming ``what`` (e.g. ``--adapt-steps``)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"{what} must be a whole number >= 1, got {steps!r}")
    return steps


def check_crop(crop: int, multiple: int, what: str = "--crop-size") -> int:
    """``crop`` if the U-Net can train on its half-size sub-images: a multiple of ``2 * multiple``
    (``multiple`` = ``2 ** depth``); else ``ValueError`` suggesting the nearest valid sizes."""
    step = 2 * multiple
    if isinstance(crop, bool) or not isinstance(crop, int) or crop < step or crop % step:
        lower = max(step, (crop // step) * step if isinstance(crop, int) else step)
        raise ValueError(f"{what} {crop!r} does not fit: single-image training feeds the network half-size sub-images, "
                         f"and this U-Net needs sides that are multiples of {multiple}, so crops must be multiples of "
                         f"{step} (e.g. {lower} or {lower + step})")
    return crop


class NoisyCrops:
    """Random ``crop x crop`` crops of noisy images ``uint8 (3, H, W)`` (or ``(1, 3, H, W)``), every
    position of every image equally likely, each crop turned by one of the 8 symmetries of the square.

    ``ValueError`` (naming the fix) when no image is at least ``crop`` px on its short side; smaller
    images are skipped (``skipped`` counts them).
    """

    def __init__(self, images: Sequence[torch.Tensor], crop: int) -> None:
        flat = [image[0] if image.dim() == 4 else image for image in images]
        if not flat:
            raise ValueError("no noisy images given")
        for image in flat:
            if image.dim() != 3 or image.shape[0] != 3:
                raise ValueError(f"noisy images must be (3, H, W) or (1, 3, H, W), got shape {tuple(image.shape)}")
        usable = [image for image in flat if min(image.shape[1:]) >= crop]
        if not usable:
            smallest = min(min(image.shape[1:]) for image in flat)
            raise ValueError(f"no image is at least {crop} px on its short side (the largest short side is "
                             f"{max(min(image.shape[1:]) for image in flat)} px, the smallest {smallest} px); "
                             "use a smaller --crop-size or larger images")
        self.crop, self.skipped = crop, len(flat) - len(usable)
        # The crop-drawing half of PatchStream (its clean_batch) does exactly this; no noise is added here.
        self._crops = PatchStream(usable, noise=None, crop=crop)

    @property
    def images(self) -> list[torch.Tensor]:
        return self._crops.images

    def batch(self, size: int, generator: torch.Generator) -> torch.Tensor:
        """``uint8 (size, 3, crop, crop)`` crops."""
        return self._crops.clean_batch(size, generator).to(torch.uint8)


@dataclass(frozen=True)
class Neighbor2NeighborLoss:
    """The loss of single-image training: the regulariser's final weight ``gamma``, ramped up from 0 over the run
    (``ramp``, :func:`gamma_at`) or constant, and absolute instead of squared errors (``l1``)."""

    gamma: float = GAMMA
    ramp: bool = True
    l1: bool = False


@dataclass(frozen=True)
class StepRange:
    """Optimiser steps ``first .. first + count - 1`` (global step numbers) of a run of ``total`` steps."""

    first: int
    count: int
    total: int


def run_steps(learner: Learner, draw: DrawBatch, steps: StepRange, loss: Neighbor2NeighborLoss, device: torch.device,
              on_step: Callable[[float], None] | None = None) -> float:
    """Neighbor2Neighbor steps ``steps`` on ``device``; ``draw(k)`` gives step ``k``'s uint8 ``(N, 3, crop, crop)``
    batch, a generator for its cell choices and optionally the batch unclipped (the targets, see
    :func:`neighbor2neighbor_loss`). gamma follows :func:`gamma_at`. Returns the mean loss."""
    learner.network.train()
    total = 0.0
    for k in range(steps.first, steps.first + steps.count):
        noisy, generator, *unclipped = draw(k)
        targets = to_unit(unclipped[0], device) if unclipped else None
        value = neighbor2neighbor_step(learner.network, learner.optimizer, learner.scheduler, to_unit(noisy, device),
                                       gamma_at(k, steps.total, loss.gamma, loss.ramp), generator, targets, loss.l1)
        total += value
        if on_step is not None:
            on_step(value)
    return total / max(1, steps.count)


@dataclass(frozen=True)
class SingleTraining:
    """Settings of :func:`train_single`: Adam at peak rate ``lr`` with Miniproject_1's warm-up + cosine schedule,
    ``batch_size`` crops of ``crop`` px per step (a multiple of ``2 * network.multiple``), the loss's ``gamma``
    (ramped from 0 if ``ramp``), the ``seed`` of the crops, and the ``device`` (``None``: the network's)."""

    lr: float = 1e-3
    batch_size: int = 8
    crop: int = 96
    gamma: float = GAMMA
    ramp: bool = True
    seed: int = 0
    device: torch.device | str | None = None


def train_single(network: nn.Module, images: Sequence[torch.Tensor], steps: int,
                 settings: SingleTraining = SingleTraining(), desc: str | None = None) -> list[float]:
    """Train ``network`` (a U-Net with ``multiple``) **in place** on single noisy images; returns the per-step losses.

    ``images``: ``uint8 (3, H, W)`` or ``(1, 3, H, W)`` tensors in [0, 255], cropped at native resolution
    (:class:`NoisyCrops`). Step ``k`` draws its crops and cell choices from ``batch_generator(settings.seed, k)``,
    so a seed fixes the run. ``desc``: label of a progress bar (:func:`n2n.progress.bar`); ``None`` shows none.
    """
    steps = check_steps(steps)
    multiple = int(getattr(network, "multiple", 1))
    crop = check_crop(settings.crop, multiple, "crop")
    batch_size = settings.batch_size
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    device = torch.device(settings.device) if settings.device is not None else next(network.parameters()).device
    crops = NoisyCrops(images, crop)
    network.to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(network.parameters(), lr=settings.lr)
    scheduler = make_scheduler(optimizer, steps, TrainConfig(lr=settings.lr, batch_size=batch_size, seed=settings.seed))

    def draw(k: int) -> tuple[torch.Tensor, torch.Generator]:
        generator = batch_generator(settings.seed, k)
        return crops.batch(batch_size, generator), generator

    losses: list[float] = []
    with bar(total=steps, enabled=desc is not None, desc=desc, unit="step") as progress:
        def on_step(value: float) -> None:
            losses.append(value)
            progress.update()
            progress.set_postfix(loss=f"{value:.4f}", refresh=False)

        with torch.enable_grad():  # also when the caller turned autograd off globally
            run_steps(Learner(network, optimizer, scheduler), draw, StepRange(0, steps, steps),
                      Neighbor2NeighborLoss(settings.gamma, settings.ramp), device, on_step)
    return losses
