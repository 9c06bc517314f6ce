"""Noise2Self (Batson & Royer, ICML 2019) with an L1 loss, at full resolution: fine-tune on one noisy photo.

**Mask.** A grid of hidden pixels: every :data:`GRID`-th pixel in each direction, at one offset
``(row, column)`` in ``0 .. GRID - 1`` (1/16 of the pixels). Each hidden pixel is replaced by the mean
of its four neighbours (:func:`neighbour_mean`); none of them is hidden, so the network's input holds
nothing of the hidden noisy values.

**Loss.** With ``f`` the network and ``y`` the noisy crops::

    L = mean over hidden pixels and channels of |f(masked(y)) - y|

Under pixel-wise independent noise, a hidden noisy value is a noisy target whose noise the input does
not carry: Noise2Noise from one shot, at the photo's own scale (Neighbor2Neighbor's sub-images are
half-resolution views, which a network trained on whole photos at native scale does not see).

**Why L1, not L2.** A photo file's noise is clipped to [0, 255], so near black and white it is no longer
zero-mean: an L2 loss teaches the network the *clipped* mean (lifting the darks, lowering the lights).
The shipped network was trained with unclipped targets and had not learnt that bias; fine-tuning it
with an L2 loss on one clipped photo lost 3.8 dB at sigma = 75, the same run with the unclipped noisy
photo as target gained 0.4 dB (one training photo, 200 steps; docs/methods/single-image.md, "Why a mean absolute error").
The L1 loss is minimised by the median instead, and clipping is monotone, so for noise symmetric about
the clean value (Gaussian, multiplicative Gaussian speckle) the median of the clipped noisy value is
still the clean value.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from Miniproject_1.others.training import TrainConfig, apply_loss, make_scheduler, to_unit
from n2n.data.patches import batch_generator
from n2n.precision import use_bfloat16
from n2n.progress import bar
from n2n.training.neighbor2neighbor import _autocast

GRID = 4


def neighbour_mean(image: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` float -> the mean of each pixel's 4 neighbours (reflected at the border), same shape."""
    channels = image.shape[1]
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=image.dtype, device=image.device) / 4
    padded = F.pad(image, (1, 1, 1, 1), mode="reflect" if min(image.shape[-2:]) > 1 else "replicate")
    return F.conv2d(padded, kernel.expand(channels, 1, 3, 3).contiguous(), groups=channels)


def grid_mask(height: int, width: int, row: int, column: int, device: torch.device | str | None = None) -> torch.Tensor:
    """bool ``(1, 1, height, width)``: True at every :data:`GRID`-th pixel from ``(row, column)``."""
    if not (0 <= row < GRID and 0 <= column < GRID):
        raise ValueError(f"grid offset ({row}, {column}) must lie in 0..{GRID - 1}")
    mask = torch.zeros(1, 1, height, width, dtype=torch.bool, device=device)
    mask[..., row::GRID, column::GRID] = True
    return mask


def masked_input(noisy: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``noisy (N, C, H, W)`` float with every pixel where ``mask (1|N, 1, H, W)`` holds replaced by its neighbour mean."""
    return torch.where(mask, neighbour_mean(noisy), noisy)


def noise2self_loss(network: nn.Module, noisy: torch.Tensor, mask: torch.Tensor, mixed: bool = False) -> torch.Tensor:
    """The L1 loss (module docstring) on float ``noisy (N, C, H, W)`` in [0, 1] with hidden pixels ``mask (1|N, 1, H, W)``.

    ``mixed``: bfloat16 autocast around the network call (the loss is float32 either way).
    """
    inputs = masked_input(noisy, mask).contiguous(memory_format=torch.channels_last)
    with _autocast(noisy.device, mixed):
        output = network(inputs)
    error = (output.float() - noisy).abs() * mask
    return error.sum() / (mask.expand_as(error).sum())


def train_noise2self(
    network: nn.Module,
    draw_crops: Callable[[int, torch.Generator], torch.Tensor],
    steps: int,
    *,
    lr: float,
    batch_size: int,
    seed: int = 0,
    device: torch.device | str | None = None,
    desc: str | None = None,
) -> list[float]:
    """Fine-tune ``network`` **in place** for ``steps`` Adam steps; returns the per-step losses.

    ``draw_crops(batch_size, generator)`` gives ``uint8 (batch_size, 3, crop, crop)`` noisy crops (crop a
    multiple of ``network.multiple``). Peak rate ``lr`` with Miniproject_1's warm-up + cosine schedule.
    Step ``k`` draws its crops and its grid offset from ``batch_generator(seed, k)``, so a seed fixes the run.
    ``desc``: label of a progress bar; ``None`` shows none.
    """
    device = torch.device(device) if device is not None else next(network.parameters()).device
    network.to(device, memory_format=torch.channels_last).train()
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    scheduler = make_scheduler(optimizer, steps, TrainConfig(lr=lr, batch_size=batch_size, seed=seed))
    mixed = use_bfloat16(device)
    losses: list[float] = []
    with bar(total=steps, enabled=desc is not None, desc=desc, unit="step") as progress, torch.enable_grad():
        for k in range(steps):
            generator = batch_generator(seed, k)
            noisy = to_unit(draw_crops(batch_size, generator), device)
            row, column = torch.randint(0, GRID, (2,), generator=generator).tolist()
            mask = grid_mask(noisy.shape[2], noisy.shape[3], row, column, device)
            losses.append(apply_loss(optimizer, scheduler, noise2self_loss(network, noisy, mask, mixed)))
            progress.update()
            progress.set_postfix(loss=f"{losses[-1]:.4f}", refresh=False)
    network.eval()
    return losses
