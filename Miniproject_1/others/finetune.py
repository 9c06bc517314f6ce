"""Fine-tuning trained weights on noisy pairs, keeping the best weights by a score that needs no clean image.

What ``Model.train`` does after ``load_pretrained_model``: a few pairs are held out (:mod:`.heldout`), the
starting weights are scored on them ("epoch 0"), every epoch trains on the other pairs and is scored the same
way, and the network ends with the weights that scored best, the starting ones included. So an epoch that
makes the denoiser worse on held-out data (a learning rate too high, a loss that learns the clipping bias) is
undone, without any clean image.

**A margin for the starting weights.** Pairs given as crops (the course's ``train_data.pkl``) do not say which
photo each crop came from, so held-out crops overlap training crops of the same photos: an epoch that adapts
the network to those photos' own content lowers the held-out error a little without helping other photos.
Measured on the stand-in pairs (8 000 of them, the shipped 40 x 5 U-Net, absolute loss at 2e-4, 240 steps):
the held-out error fell by 0.14 %, the PSNR of the held-out crops rose by 0.01 dB, and the PSNR on the
validation photos fell by 0.12 dB. So a fine-tuned epoch replaces the starting weights only if it lowers the
held-out error by at least :data:`MIN_GAIN` (relative); among the fine-tuned epochs the lowest error wins.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from .heldout import heldout_error, index_keys, split_held_out
from .inference import denoise
from .training import Placement, TrainConfig, fit

# Relative drop of the held-out error that a fine-tuned epoch needs to replace the starting weights (see above).
MIN_GAIN = 0.01


def copy_weights(network: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of ``network``'s state_dict (same devices)."""
    return {name: value.detach().clone() for name, value in network.state_dict().items()}


def fine_tune(network: nn.Module, optimizer: torch.optim.Optimizer, inputs: torch.Tensor, targets: torch.Tensor,
              num_epochs: int, config: TrainConfig, placement: Placement) -> list[dict]:
    """Train ``network`` (a U-Net with ``multiple``) on the pairs ``(inputs, targets)`` ``(N, C, H, W)`` in [0, 255]
    minus the held-out ones for ``num_epochs`` epochs; leave it with the weights that scored best on the held-out
    pairs (the starting ones included, which a fine-tuned epoch must beat by :data:`MIN_GAIN`). Returns one record
    per epoch, epoch 0 (the start) first:
    ``{epoch, heldout_error, kept}`` plus ``loss`` and ``seconds`` for the trained epochs; ``kept`` is True for the
    epoch whose weights the network ends with. With fewer than two pairs nothing can be held out: the epochs
    train on everything and are kept as they are.
    """
    train, held = split_held_out(index_keys(inputs.shape[0]))
    if not held:
        return fit(network, optimizer, inputs, targets, num_epochs, config, placement)
    first, second = inputs[held], targets[held]

    def score() -> float:
        return heldout_error(lambda images: denoise(network, images, placement.device, network.multiple,
                                                    placement.bfloat16), first, second)

    started = time.perf_counter()
    history = [{"epoch": 0, "heldout_error": score(), "seconds": time.perf_counter() - started}]
    # The error to beat: the start's, lowered by the margin, until a fine-tuned epoch beats it.
    best = {"epoch": 0, "error": history[0]["heldout_error"] * (1 - MIN_GAIN), "weights": copy_weights(network)}

    def on_epoch(epoch: int, trained: nn.Module) -> dict:
        error = score()
        if error < best["error"]:
            best.update(epoch=epoch, error=error, weights=copy_weights(trained))
        return {"heldout_error": error}

    history += fit(network, optimizer, inputs[train], targets[train], num_epochs, config, placement, on_epoch)
    network.load_state_dict(best["weights"])
    return [{**record, "kept": record["epoch"] == best["epoch"]} for record in history]
