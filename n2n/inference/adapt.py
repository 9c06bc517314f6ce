"""Adapt a trained denoiser to one noisy photo before denoising it (``n2n denoise --adapt``).

A *copy* of the network is fine-tuned on the photo itself with the Noise2Self L1 loss at full
resolution (:mod:`n2n.training.noise2self`), then denoises it together with the original network
(their outputs are averaged, "The blend" below); the original network (and the file it came from) is
never changed. This helps most when the photo's noise is not what the network was
trained on (a level beyond its range, signal-dependent noise), as long as it is pixel-wise independent
and symmetric about the clean value.

Why not Neighbor2Neighbor, the loss of ``n2n train --single`` (measured on the shipped 40x5, one
*training* photo, 200 steps): with its L2 loss the copy lost 3 dB at sigma = 75, because a photo file's
noise is clipped and the L2 loss learns the clipped mean (see :mod:`n2n.training.noise2self`); with an
L1 loss it gained 0.69 dB at sigma = 75 but lost 0.09-0.11 dB on Gaussian sigma = 25 and on the sigma
growing from 5 to 50, noise the network was trained on: its half-resolution sub-images are not the
scale at which the network denoises. Noise2Self with an L1 loss gained 0.29 / 0.80 / 0.08 / 0.01 dB
(sigma 75, speckle, varying sigma, sigma 25) there. Zero-shot Noise2Noise (Mansour & Heckel, 2023)
averages pixel pairs, so its training inputs carry weaker noise than the photo: not for fine-tuning.

Set-up: Adam at :data:`ADAPT_LR` with Miniproject_1's warm-up + cosine schedule, batches of
:data:`ADAPT_BATCH` crops of :data:`ADAPT_CROP` px drawn from the photo at native resolution (one of
the 8 symmetries each), one random grid of hidden pixels per step. :data:`DEFAULT_STEPS` steps: the
cost of a step does not depend on the photo's size; see its comment for the timing behind it. Rate
and steps were tuned on *training* photos (never the validation photos the results are reported on).

**The blend.** The photo is denoised by both networks and the two outputs are averaged with weight
:data:`BLEND` on the copy. Measured on the 6 validation photos under 6 noises (a diagnostic run kept in
``results/single_image/adapt_check/``, then ``results/single_image/adapt.json``): the copy alone lost up
to 0.10 dB at sigma = 15, noise the network was trained on (0.21 dB on ``Grey`` in the whole-photo
evaluation's noise; on the reserved photos up to 0.82 dB), while the average gained on all 36
photo-noise pairs (at least +0.19 dB) and on all 18 reserved photo-sigma pairs. Where the copy
gains most the average keeps about two thirds of its gain (FreshFlower: +2.16 instead of +3.14 dB at
sigma = 25). The two networks err differently, and by convexity of the squared error the average is
never worse than the worse of the two. It costs one more pass of a network over the photo.

**The check.** After fine-tuning both networks are scored on the photo itself with a clean-image-free
Noise2Self score (:func:`n2n.inference.self_check.masked_score`); where the copy scores worse than the
original, the original denoises alone (``check=False`` skips this and always blends). The score is the
quantity the copy was trained to lower (on other crops and grids), so it favours the copy: it catches a
copy that failed to learn or diverged, not a small loss. A Stein (SURE) estimate of the squared error was
tried in the diagnostic and rejected: it needs every pixel's noise level and unclipped noise. With the
true level and clipped pixels left out it picked the better network on 23 of 36 pairs; with the level
estimated from the photo (robust median of 2x2 diagonal differences per tile) on only 7-8 of 36.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import torch
from torch import nn

from Miniproject_1.others.inference import denoise
from n2n.inference.noise_structure import correlated_noise_reason
from n2n.inference.routing import first_network
from n2n.inference.self_check import masked_score
from n2n.precision import use_bfloat16
from n2n.training.noise2self import GRID, train_noise2self
from n2n.training.single import NoisyCrops, check_steps

ADAPT_LR = 1e-4  # the shipped 40x5's own training rate at the start of its second cycle
ADAPT_BATCH = 4
ADAPT_CROP = 128
# Chosen so that adapting a 1-megapixel photo with the shipped 40x5 takes under 60 s on the 2-core
# development CPU at 2 threads: a step (ADAPT_BATCH crops) costs the same whatever the photo's size,
# and the check scores a region of fixed size (n2n.inference.self_check.REGION).
# results/single_image/adapt.json has the measured seconds of every run.
DEFAULT_STEPS = 120
BLEND = 0.5  # weight of the adapted copy in the denoised output (module docstring, "The blend")


class AdaptedDenoiser:
    """``noisy (N, 3, H, W)`` uint8/float in [0, 255] -> float32 ``(N, 3, H, W)`` in [0, 255]: the weighted average
    of the original network's and the adapted copy's outputs.

    Attributes: ``original`` (the network the copy started from), ``copy`` (the fine-tuned copy), ``kept`` (whether
    the copy is used), ``weight`` (the copy's weight in the output: ``blend`` if ``kept``, else 0), ``score_before`` /
    ``score_after`` (the self-check scores, 0-255 scale, ``None`` without the check), ``losses`` (one per step),
    ``steps``, ``seconds`` (time spent adapting, the check included), ``crop``, ``declined`` (why no copy was
    fine-tuned, or ``None``).
    """

    def __init__(self, copy: nn.Module, original: nn.Module, device: torch.device, losses: list[float], seconds: float,
                 crop: int, blend: float = BLEND, score_before: float | None = None, score_after: float | None = None,
                 declined: str | None = None) -> None:
        """``score_before`` / ``score_after``: the check's scores of ``original`` / ``copy`` (``None``: no check, keep the
        copy). ``declined``: the reason the photo was not adapted to (the original network then denoises alone)."""
        self.copy, self.original, self.device, self.losses, self.seconds, self.crop = copy, original, device, losses, seconds, crop
        self.declined = declined
        self.kept = declined is None and (score_before is None or score_after < score_before)
        self.weight = blend if self.kept else 0.0
        self.score_before, self.score_after = score_before, score_after
        self.steps = len(losses)

    def _denoise(self, network: nn.Module, images: torch.Tensor) -> torch.Tensor:
        return denoise(network, images, self.device, network.multiple, use_bfloat16(self.device))

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if self.weight == 0.0:
            return self._denoise(self.original, images)
        if self.weight == 1.0:
            return self._denoise(self.copy, images)
        return torch.lerp(self._denoise(self.original, images), self._denoise(self.copy, images), self.weight)

    def summary(self) -> str:
        """One line for the user: steps, seconds, and what denoises."""
        if self.declined is not None:
            return f"not adapted: {self.declined}; fine-tuning on such noise would learn to keep it, so the network denoises alone"
        text = f"adapted in {self.steps} steps, {self.seconds:.1f} s"
        if self.weight == 1.0:
            using = "the adapted copy"
        elif self.weight == 0.0:
            using = "the original network alone (blend 0)"
        else:
            using = f"the average of the original network and the adapted copy (weight {self.weight:g})"
        if self.score_before is None:
            return f"{text}; denoising with {using}"
        verdict = (f"denoising with {using}" if self.kept else
                   "the adapted copy did not score better, so the original network denoises alone")
        return (f"{text}; self-check: {self.score_before:.2f} -> {self.score_after:.2f} (original -> adapted: mean "
                f"absolute difference from the noisy values at hidden pixels, 0-255 scale, lower is better): {verdict}")


def largest_crop(height: int, width: int, multiple: int, limit: int) -> int:
    """The largest crop side that is a multiple of ``multiple`` (the U-Net's ``2 ** depth``), holds a whole
    hidden-pixel grid (at least :data:`~n2n.training.noise2self.GRID`), fits ``height x width`` and is at most
    ``limit``; ``ValueError`` when even the smallest does not fit."""
    crop = min(limit, min(height, width)) // multiple * multiple
    smallest = max(multiple, -(-GRID // multiple) * multiple)
    if crop < smallest:
        raise ValueError(f"the image is {width}x{height} px, too small to adapt this U-Net on: "
                         f"it needs at least {smallest}x{smallest} px")
    return crop


def resolve_network(predict_or_network: nn.Module | Callable) -> nn.Module:
    """The PyTorch network behind ``predict_or_network``: a U-Net itself, or a bound ``predict`` of an object
    with a ``network`` attribute (Miniproject_1's ``Model``). ``ValueError`` for anything else (e.g. Miniproject_2)."""
    predict_or_network = first_network(predict_or_network)  # a router's networks are of one kind
    if isinstance(predict_or_network, nn.Module):
        network = predict_or_network
    else:
        network = getattr(getattr(predict_or_network, "__self__", None), "network", None)
    if not isinstance(network, nn.Module) or not hasattr(network, "multiple"):
        raise ValueError("adapting fine-tunes a PyTorch U-Net with autograd (Miniproject_1, or a checkpoint of "
                         "`n2n train`); this denoiser is not one (Miniproject_2's framework has no autograd): "
                         "use --model miniproject1 or a Miniproject_1 checkpoint, or leave out --adapt")
    return network


def adapt(
    predict_or_network: nn.Module | Callable,
    image: torch.Tensor,
    steps: int = DEFAULT_STEPS,
    *,
    lr: float = ADAPT_LR,
    batch_size: int = ADAPT_BATCH,
    crop: int = ADAPT_CROP,
    seed: int = 0,
    device: torch.device | str | None = None,
    check: bool = True,
    blend: float = BLEND,
    desc: str | None = "adapt",
) -> AdaptedDenoiser:
    """Fine-tune a copy of the network on the noisy ``image`` and return it as a denoiser.

    Args:
        predict_or_network: a Miniproject_1 U-Net or ``Model().predict`` (never modified).
        image: the noisy photo, ``(1, 3, H, W)`` or ``(3, H, W)``, uint8 or float in [0, 255].
        steps: optimiser steps (>= 1).
        lr: Adam's learning rate (module docstring).
        batch_size: crops per step (module docstring).
        crop: side of the square crops, pixels; lowered to the largest multiple of ``2 ** depth`` that fits a
            small image.
        seed: seed of the crops.
        device: where to fine-tune (default: the network's device).
        check: score both networks on ``image`` (:func:`n2n.inference.self_check.masked_score`) and use the
            adapted copy only if it scores lower; ``False``: always use it.
        blend: the copy's weight in the output, in [0, 1] (module docstring, "The blend"; 1: the copy alone).
        desc: label of the progress bar (``None``: no bar).

    Returns an :class:`AdaptedDenoiser`; ``ValueError`` for an image too small for the network, bad ``steps`` or
    a ``blend`` outside [0, 1]. A photo whose noise is not pixel-independent
    (:func:`n2n.inference.noise_structure.correlated_noise_reason`) is not adapted to: the result denoises with
    the original network alone and says why (``declined``).
    """
    steps = check_steps(steps, "adapt steps (--adapt-steps)")
    if isinstance(blend, bool) or not isinstance(blend, (int, float)) or not 0.0 <= blend <= 1.0:
        raise ValueError(f"blend is the adapted copy's weight in the output and must lie in [0, 1], got {blend!r}")
    network = resolve_network(predict_or_network)
    if not isinstance(image, torch.Tensor) or image.dim() not in (3, 4) or image.shape[-3] != 3 or (image.dim() == 4 and image.shape[0] != 1):
        shape = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(f"adapt expects one RGB image (1, 3, H, W) or (3, H, W), got {shape}")
    flat = image[0] if image.dim() == 4 else image
    if flat.is_floating_point():
        flat = flat.detach().clamp(0, 255).round().to(torch.uint8)
    try:
        crop = largest_crop(int(flat.shape[1]), int(flat.shape[2]), network.multiple, crop)
    except ValueError as error:
        raise ValueError(f"{error}; denoise such a small image without --adapt") from None
    device = torch.device(device) if device is not None else next(network.parameters()).device
    reason = correlated_noise_reason(flat)
    if reason is not None:
        return AdaptedDenoiser(network, network, device, [], 0.0, crop, float(blend), declined=reason)
    copy_ = copy.deepcopy(network)
    crops = NoisyCrops([flat.cpu()], crop)
    started = time.perf_counter()
    losses = train_noise2self(copy_, lambda size, generator: crops.batch(size, generator), steps, lr=lr,
                              batch_size=batch_size, seed=seed, device=device, desc=desc)
    if not check:
        return AdaptedDenoiser(copy_, network, device, losses, time.perf_counter() - started, crop, float(blend))
    before = masked_score(lambda batch: denoise(network, batch, device, network.multiple, use_bfloat16(device)), flat[None])
    after = masked_score(lambda batch: denoise(copy_, batch, device, copy_.multiple, use_bfloat16(device)), flat[None])
    return AdaptedDenoiser(copy_, network, device, losses, time.perf_counter() - started, crop, float(blend),
                           score_before=before, score_after=after)


class AdaptingDenoiser:
    """A whole-image denoiser that adapts first: ``noisy (N, 3, H, W)`` in [0, 255] -> float32 ``(N, 3, H, W)``.

    Each image gets its own fine-tuned copy (:func:`adapt`, with ``steps`` and ``options``), which then denoises
    it tiled. ``whole_image = True`` tells :func:`n2n.evaluation.whole_photos.evaluate_photos` not to tile it
    (adapting per tile would adapt to a piece of the photo). ``last`` is the last :class:`AdaptedDenoiser`.
    """

    whole_image = True

    def __init__(self, predict_or_network: nn.Module | Callable, steps: int = DEFAULT_STEPS, **options) -> None:
        resolve_network(predict_or_network)  # a model that cannot be fine-tuned fails here, before any work
        self.predict, self.steps, self.options = predict_or_network, check_steps(steps, "adapt steps (--adapt-steps)"), options
        self.last: AdaptedDenoiser | None = None

    def __call__(self, noisy: torch.Tensor) -> torch.Tensor:
        from n2n.inference.tiling import denoise_tiled

        outputs = []
        for image in noisy.split(1):
            self.last = adapt(self.predict, image, self.steps, desc=None, **self.options)
            outputs.append(denoise_tiled(self.last, image))
        return torch.cat(outputs)
