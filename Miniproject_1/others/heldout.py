"""Whether training helped, without a clean image: a score on held-out noisy pairs.

**Holding out.** A few pairs are set aside before training and never trained on: the pairs whose key (its
index, or a file name) has the smallest SHA-256 digests (:func:`held_out_order`), so the same data always
holds out the same pairs, whatever order it comes in.

**The score** (:func:`heldout_error`): the mean absolute difference, in grey levels, between the denoised first
copy of each held-out pair and its second copy (and the other way round). The second copy's noise is
independent of the first's, so the score depends on the denoiser only through how far its output ``f`` is
from the clean value ``x``: lower is better. It needs no clean image.

**Why absolute, not squared.** The noisy copies are uint8 files, clipped to [0, 255]. Near black and white
the mean of a clipped noisy value is not the clean value (about sigma / sqrt(2 pi) off at 0 or 255 for
Gaussian noise), so the Noise2Noise *squared* error ``E (f - y)^2 = (f - E y)^2 + Var y`` is smallest for a
network that has learnt the clipping bias, and it rewards an epoch that learns it even where that lowers
the PSNR against the clean images. The absolute error is not moved by clipping: for any ``f`` in [0, 255]
and ``z = x + noise``, ``|f - clip(z)| = |f - z| - g(z)`` with ``g`` independent of ``f`` (``-z`` below 0,
``z - 255`` above 255, 0 between), so ``E |f - clip(z)|`` ranks denoisers exactly as the unclipped
``E |f - z|`` does, which for noise symmetric about ``x`` grows with ``|f - x|``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import torch

# Share of the pairs held out, and bounds on their number (enough to rank epochs, few enough to score fast).
HELD_OUT_FRACTION = 0.04
MIN_HELD_OUT = 1
MAX_HELD_OUT = 2000

Predict = Callable[[torch.Tensor], torch.Tensor]


def key_digest(key: str) -> bytes:
    """The SHA-256 digest of ``key`` (UTF-8), which orders the candidates for holding out."""
    return hashlib.sha256(key.encode("utf-8")).digest()


def held_out_order(keys: Sequence[str]) -> list[int]:
    """Indices of ``keys`` sorted by :func:`key_digest`: the first ones are held out first."""
    return sorted(range(len(keys)), key=lambda index: key_digest(keys[index]))


def held_out_count(count: int, fraction: float = HELD_OUT_FRACTION, maximum: int = MAX_HELD_OUT) -> int:
    """How many of ``count`` items to hold out: ``fraction`` of them, at least one and at most ``maximum``, and
    none when fewer than two (there would be nothing left to train on)."""
    if count < 2:
        return 0
    return max(MIN_HELD_OUT, min(maximum, round(fraction * count), count - 1))


def split_held_out(keys: Sequence[str], fraction: float = HELD_OUT_FRACTION,
                   maximum: int = MAX_HELD_OUT) -> tuple[list[int], list[int]]:
    """``(train, held_out)``: the indices of ``keys`` to train on and those to hold out (:func:`held_out_count` of
    them, by :func:`held_out_order`), each in increasing order."""
    order = held_out_order(keys)
    held = sorted(order[: held_out_count(len(keys), fraction, maximum)])
    chosen = set(held)
    return [index for index in range(len(keys)) if index not in chosen], held


def index_keys(count: int) -> list[str]:
    """Keys of pairs known only by their position: ``"0"``, ``"1"``, ..."""
    return [str(index) for index in range(count)]


def heldout_error(predict: Predict, first: torch.Tensor, second: torch.Tensor) -> float:
    """Mean absolute error (grey levels) between ``predict(first)`` and ``second`` and between ``predict(second)``
    and ``first`` (module docstring); lower is better.

    ``first``, ``second``: the two noisy copies ``(N, C, H, W)``, uint8 or float in [0, 255]; ``predict`` maps such
    a batch to its denoised float version in [0, 255] (``Model.predict``-like).
    """
    if first.shape != second.shape or first.dim() != 4 or first.shape[0] == 0:
        raise ValueError(f"heldout_error needs two (N, C, H, W) batches of the same shape, N >= 1, got "
                         f"{tuple(first.shape)} and {tuple(second.shape)}")
    total = 0.0
    for inputs, targets in ((first, second), (second, first)):
        total += float((predict(inputs).float() - targets.to(torch.float32)).abs().mean())
    return total / 2
