"""Loss weightings of ``n2n train --photos --loss``: each crop's squared error divided by its noise variance
(``noise-normalised``) or standard deviation (``std-normalised``), estimated from the two noisy copies, so that
low noise levels weigh more. They are loss functions for ``Miniproject_1.others.training.train_step``."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

# Loss name -> the power of the noise variance each crop's MSE is divided by (None: plain MSE).
LOSS_POWERS = {"mse": None, "noise-normalised": 1.0, "std-normalised": 0.5}
LOSSES = tuple(LOSS_POWERS)

# Noise floor (on [0, 1]) of :func:`noise_normalised_weights`: crops with less noise than this weigh
# as if they had this much, so that near-clean crops do not dominate.
NOISE_FLOOR = 5.0 / 255.0

LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


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


def weighted_mse(weights: torch.Tensor) -> LossFunction:
    """A loss function ``(outputs, targets) -> scalar``: each sample's mean squared error times its weight
    ``weights (N,)``, averaged over the batch."""
    def loss(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        per_sample = (outputs - targets).square().flatten(1).mean(dim=1)
        return (weights.to(per_sample) * per_sample).mean()

    return loss


def loss_function(name: str, inputs: torch.Tensor, targets: torch.Tensor, noisy_targets: bool) -> LossFunction:
    """The loss named ``name`` (one of :data:`LOSSES`) for the batch ``inputs``/``targets`` ``(N, C, H, W)`` on [0, 1]."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {name!r}")
    power = LOSS_POWERS[name]
    if power is None:
        return F.mse_loss
    return weighted_mse(noise_normalised_weights(inputs, targets, noisy_targets=noisy_targets, power=power))
