"""Fine-tuning trained weights on noisy pairs, keeping the best weights by a score that needs no clean image.

What ``Model.train`` does after ``load_pretrained_model``: a few pairs are held out (:mod:`.heldout`), the
starting weights are scored on them ("epoch 0"), every epoch trains on the other pairs and is scored the same
way, and the network ends with the weights that scored best, the starting ones included. So an epoch that
makes the denoiser worse on held-out data (a learning rate too high, data unlike what the weights learnt
from) is undone, without any clean image.
"""

from __future__ import annotations

import time

import torch
from torch import nn

from .heldout import heldout_error, index_keys, split_held_out
from .inference import denoise
from .training import Placement, TrainConfig, fit


def copy_weights(network: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of ``network``'s state_dict (same devices)."""
    return {name: value.detach().clone() for name, value in network.state_dict().items()}


def fine_tune(network: nn.Module, optimizer: torch.optim.Optimizer, inputs: torch.Tensor, targets: torch.Tensor,
              num_epochs: int, config: TrainConfig, placement: Placement) -> list[dict]:
    """Train ``network`` (a U-Net with ``multiple``) on the pairs ``(inputs, targets)`` ``(N, C, H, W)`` in [0, 255]
    minus the held-out ones for ``num_epochs`` epochs; leave it with the weights that scored best on the held-out
    pairs (the starting ones included). Returns one record per epoch, epoch 0 (the start) first:
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
    best = {"epoch": 0, "error": history[0]["heldout_error"], "weights": copy_weights(network)}

    def on_epoch(epoch: int, trained: nn.Module) -> dict:
        error = score()
        if error < best["error"]:
            best.update(epoch=epoch, error=error, weights=copy_weights(trained))
        return {"heldout_error": error}

    history += fit(network, optimizer, inputs[train], targets[train], num_epochs, config, placement, on_epoch)
    network.load_state_dict(best["weights"])
    return [{**record, "kept": record["epoch"] == best["epoch"]} for record in history]
