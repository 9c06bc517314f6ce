"""Training on single noisy images (Neighbor2Neighbor, :mod:`.neighbor2neighbor`): crops and the step loop.

- :class:`NoisyCrops`: random square crops of noisy images at their native resolution (never
  rescaled: downscaling would average the noise away and correlate it), one of the 8 symmetries of
  the square each; batch ``k`` depends only on the generator it is given.
- :func:`run_steps`: the optimiser steps shared by ``n2n train --single`` and :func:`train_single`.
- :func:`train_single`: a plain function that trains a network in place on a few noisy images
  (used by :func:`n2n.inference.adapt.adapt`).
- :func:`check_crop`, :func:`check_steps`: the input checks, with errors that say the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from Miniproject_1.others.training import TrainConfig, make_scheduler, to_unit
from n2n.data.patches import PatchStream, batch_generator
from n2n.progress import bar
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


def run_steps(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    draw: DrawBatch,
    first_step: int,
    steps: int,
    total_steps: int,
    device: torch.device,
    gamma: float = GAMMA,
    ramp: bool = True,
    on_step: Callable[[float], None] | None = None,
    l1: bool = False,
) -> float:
    """Neighbor2Neighbor steps ``first_step .. first_step + steps - 1`` (global step numbers) of a run of
    ``total_steps``; ``draw(k)`` gives step ``k``'s uint8 ``(N, 3, crop, crop)`` batch, a generator for
    its cell choices and optionally the batch unclipped (the targets, see :func:`neighbor2neighbor_loss`).
    gamma follows :func:`gamma_at`; ``l1``: absolute errors (:func:`neighbor2neighbor_loss`). Returns the mean loss."""
    network.train()
    total = 0.0
    for k in range(first_step, first_step + steps):
        noisy, generator, *unclipped = draw(k)
        targets = to_unit(unclipped[0], device) if unclipped else None
        value = neighbor2neighbor_step(network, optimizer, scheduler, to_unit(noisy, device),
                                       gamma_at(k, total_steps, gamma, ramp), generator, device, targets, l1)
        total += value
        if on_step is not None:
            on_step(value)
    return total / max(1, steps)


def train_single(
    network: nn.Module,
    images: Sequence[torch.Tensor],
    steps: int,
    *,
    lr: float = 1e-3,
    batch_size: int = 8,
    crop: int = 96,
    gamma: float = GAMMA,
    ramp: bool = True,
    seed: int = 0,
    device: torch.device | str | None = None,
    desc: str | None = None,
) -> list[float]:
    """Train ``network`` (a U-Net with ``multiple``) **in place** on single noisy images; returns the per-step losses.

    ``images``: ``uint8 (3, H, W)`` or ``(1, 3, H, W)`` tensors in [0, 255], cropped at native resolution
    (:class:`NoisyCrops`, ``crop`` a multiple of ``2 * network.multiple``). Adam at peak rate ``lr`` with
    Miniproject_1's warm-up + cosine schedule over ``steps``; gamma ramped from 0 (``ramp``) or constant.
    Step ``k`` draws its crops and cell choices from ``batch_generator(seed, k)``, so a seed fixes the run.
    ``desc``: label of a progress bar (:func:`n2n.progress.bar`); ``None`` shows none.
    """
    steps = check_steps(steps)
    multiple = int(getattr(network, "multiple", 1))
    crop = check_crop(crop, multiple, "crop")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    device = torch.device(device) if device is not None else next(network.parameters()).device
    crops = NoisyCrops(images, crop)
    network.to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    scheduler = make_scheduler(optimizer, steps, TrainConfig(lr=lr, batch_size=batch_size, seed=seed))

    def draw(k: int) -> tuple[torch.Tensor, torch.Generator]:
        generator = batch_generator(seed, k)
        return crops.batch(batch_size, generator), generator

    losses: list[float] = []
    with bar(total=steps, enabled=desc is not None, desc=desc, unit="step") as progress:
        def on_step(value: float) -> None:
            losses.append(value)
            progress.update()
            progress.set_postfix(loss=f"{value:.4f}", refresh=False)

        with torch.enable_grad():  # also when the caller turned autograd off globally
            run_steps(network, optimizer, scheduler, draw, 0, steps, steps, device, gamma, ramp, on_step)
    return losses
