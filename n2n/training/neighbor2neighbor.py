"""Neighbor2Neighbor (Huang et al., CVPR 2021): Noise2Noise-style training from single noisy images.

**Sub-sampler.** A noisy image ``y (N, C, H, W)`` (H, W even) is cut into 2x2 cells. In every cell
two *different, adjacent* pixels are picked at random (one of the 8 ordered pairs of horizontal or
vertical neighbours, as in the paper; never the diagonal pair): the first goes to the sub-image
``g1(y)``, the second to ``g2(y)``, both ``(N, C, H/2, W/2)``. The two sub-images never share a
pixel, so under pixel-wise independent zero-mean noise ``g2(y)`` is a noisy target for ``g1(y)``
whose noise is independent of the input's: Noise2Noise from one shot. Their clean contents differ
a little (neighbouring pixels), which the regulariser corrects.

**Loss.** With ``f`` the network and ``f(y)`` computed without gradient (stop-gradient), sub-sampled
with the *same* cell choices as ``y``::

    L = mean((f(g1(y)) - g2(y))^2) + gamma * mean((f(g1(y)) - g2(y) - (g1(f(y)) - g2(f(y))))^2)

**Absolute errors.** ``l1=True`` puts absolute instead of squared errors in both terms (``n2n train
--single-loss l1``), for sub-image targets clipped to [0, 255] (see :data:`LOSSES`).

**gamma.** The paper's weight is :data:`PAPER_GAMMA` = 2; n2n's default, :data:`GAMMA`, is 0.5 (``n2n train
--single-gamma``). ``n2n train`` ramps it linearly from 0 at the first step to its value at the end of the
run (:func:`gamma_at`), as the authors' code does per epoch: a network that starts from the identity
first learns the reconstruction term, and the regulariser (which compares with the network's own
full-size output) grows as that output becomes meaningful. In runs of 1000 steps on the training photos
(``results/single_image/training.json``), ending at 0.5 instead of 2 gained on whole validation photos at
sigma = 25 in all four comparisons (Gaussian and mixed training noise, squared and absolute errors) and
on the crop sets. Likely why (not measured): the regulariser pulls the sub-image output towards the
network's own full-size output, and early in training that holds it near its input, so too little noise
is removed.
``train_single(..., ramp=False)`` uses gamma from the first step, for fine-tuning an already trained
network, whose full-size output is meaningful from the start. (``n2n denoise --adapt`` fine-tunes with
:mod:`n2n.training.noise2self` instead; its docstring says why.)

Images are float in [0, 1]; every network call is channels-last and runs under bfloat16 autocast
where :func:`n2n.precision.use_bfloat16` says so (as ``train_step``); the loss is float32.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from Miniproject_1.others.training import apply_loss
from n2n.precision import use_bfloat16

PAPER_GAMMA = 2.0  # Huang et al.'s regulariser weight
GAMMA = 0.5  # n2n's default (see the module docstring)
# Per-pixel penalties of both terms: "l2" (squared error, the paper's) or "l1" (absolute error). With targets from a
# clipped photo an L2 loss learns the clipped mean, biased near black and white; the L1 loss learns the median, which
# clipping leaves at the clean value for noise symmetric about it (see n2n.training.noise2self).
LOSSES = ("l2", "l1")
# Positions in a 2x2 cell are numbered 2 * row + column. The 8 ordered pairs of 4-connected neighbours:
ADJACENT_PAIRS = torch.tensor([[0, 1], [1, 0], [2, 3], [3, 2], [0, 2], [2, 0], [1, 3], [3, 1]])


@dataclass(frozen=True)
class CellChoice:
    """Which pixel of each 2x2 cell goes to each sub-image: int64 ``(N, H/2, W/2)`` tensors of
    positions ``2 * row + column`` in 0..3; ``first != second`` everywhere."""

    first: torch.Tensor
    second: torch.Tensor


def check_even(height: int, width: int) -> None:
    """``ValueError`` unless both sides are even and at least 2 (the sub-sampler needs whole 2x2 cells)."""
    if height < 2 or width < 2 or height % 2 or width % 2:
        raise ValueError(f"the neighbour sub-sampler cuts images into 2x2 cells: height and width must be even "
                         f"and at least 2, got {height}x{width}; crop the image to even sides")


def random_cells(n: int, height: int, width: int, generator: torch.Generator | None = None,
                 device: torch.device | str | None = None) -> CellChoice:
    """Random cell choices for ``n`` images of ``height x width`` px: per cell one of :data:`ADJACENT_PAIRS`,
    uniformly. Drawn on the CPU from ``generator`` (so a seed fixes them on any device), then moved to ``device``."""
    check_even(height, width)
    which = torch.randint(0, len(ADJACENT_PAIRS), (n, height // 2, width // 2), generator=generator)
    pairs = ADJACENT_PAIRS[which]
    return CellChoice(pairs[..., 0].to(device), pairs[..., 1].to(device))


def subsample(images: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
    """``images (N, C, H, W)`` -> ``(N, C, H/2, W/2)``: from each 2x2 cell the pixel ``cells (N, H/2, W/2)`` names."""
    if images.dim() != 4:
        raise ValueError(f"subsample expects (N, C, H, W) images, got shape {tuple(images.shape)}")
    n, c, height, width = images.shape
    check_even(height, width)
    h, w = height // 2, width // 2
    if tuple(cells.shape) != (n, h, w):
        raise ValueError(f"cell choices of shape {tuple(cells.shape)} do not fit images of shape {tuple(images.shape)}")
    blocks = images.reshape(n, c, h, 2, w, 2).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h, w, 4)
    index = cells.to(images.device).view(n, 1, h, w, 1).expand(n, c, h, w, 1)
    return blocks.gather(4, index).squeeze(4)


def gamma_at(step: int, total_steps: int, gamma: float = GAMMA, ramp: bool = True) -> float:
    """The regulariser weight at (0-based) ``step`` of ``total_steps``: ``gamma * step / total_steps``
    (a linear ramp from 0) when ``ramp``, else ``gamma``."""
    if not ramp:
        return float(gamma)
    return float(gamma) * min(1.0, step / max(1, total_steps))


def _autocast(device: torch.device, enabled: bool):
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16) if enabled else contextlib.nullcontext()


def neighbor2neighbor_loss(network: nn.Module, noisy: torch.Tensor, cells: CellChoice, gamma: float,
                           mixed: bool = False, targets: torch.Tensor | None = None, l1: bool = False
                           ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The loss on float ``noisy (N, C, H, W)``; returns ``(loss, {"reconstruction", "regulariser"})``.

    ``targets``: the same noisy image before it was clipped and rounded (same shape, synthetic noise
    only), from which ``g2`` is then taken; ``None`` (a real photo): ``noisy`` itself. Clipping makes
    zero-mean noise biased near black and white, so the network would learn the clipped mean (as
    Noise2Noise does with clipped targets, see ``experiments.mp1_clip_bias``).

    ``f(g1(y))`` carries the gradient; ``f(y)`` is computed under ``torch.no_grad`` (with the inner
    module of a DistributedDataParallel wrapper, whose weights are the same on every process).
    ``mixed``: bfloat16 autocast around the network calls (the terms are float32 either way).
    ``l1``: both terms as mean absolute instead of squared errors (:data:`LOSSES`).
    """
    device = noisy.device
    if targets is not None and tuple(targets.shape) != tuple(noisy.shape):
        raise ValueError(f"targets of shape {tuple(targets.shape)} do not match the noisy images {tuple(noisy.shape)}")
    g1, g2 = subsample(noisy, cells.first), subsample(noisy if targets is None else targets, cells.second)
    plain = network.module if isinstance(network, DistributedDataParallel) else network
    with torch.no_grad(), _autocast(device, mixed):
        full = plain(noisy.contiguous(memory_format=torch.channels_last)).float()
    shift = subsample(full, cells.first) - subsample(full, cells.second)
    with _autocast(device, mixed):
        output = network(g1.contiguous(memory_format=torch.channels_last))
    difference = output.float() - g2
    penalty = torch.abs if l1 else torch.square
    reconstruction = penalty(difference).mean()
    regulariser = penalty(difference - shift).mean()
    loss = reconstruction + gamma * regulariser
    return loss, {"reconstruction": reconstruction.detach(), "regulariser": regulariser.detach()}


def neighbor2neighbor_step(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    noisy: torch.Tensor,
    gamma: float,
    generator: torch.Generator | None,
    targets: torch.Tensor | None = None,
    l1: bool = False,
) -> float:
    """One optimiser step on the float ``noisy (N, C, H, W)`` batch in [0, 1] (on the training device); returns
    the loss. ``targets``: its unclipped version; ``l1``: absolute errors; see :func:`neighbor2neighbor_loss`.

    H and W must be even and H/2, W/2 multiples of the network's ``multiple`` (so crops are
    multiples of ``2 * 2 ** depth`` for the U-Net). Cell choices come from ``generator``.
    """
    n, _, height, width = noisy.shape
    cells = random_cells(n, height, width, generator, noisy.device)
    loss, _ = neighbor2neighbor_loss(network, noisy, cells, gamma, mixed=use_bfloat16(noisy.device), targets=targets, l1=l1)
    return apply_loss(optimizer, scheduler, loss)
