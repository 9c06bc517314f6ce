"""Denoise with a checkpoint of the ``scratch`` engine (course network or U-Net on Miniproject_2's framework)."""

from __future__ import annotations

from pathlib import Path

import torch

from Miniproject_2.model import default_device
from Miniproject_2.others.images import check_images
from Miniproject_2.others.serialization import load_checkpoint
from Miniproject_2.others.training import predict_batches
from n2n.training.scratch_models import HOW_TO_GET, build_network, multiple_of


class ScratchDenoiser:
    """``noisy (N, 3, H, W)`` uint8/float in [0, 255] -> float ``(N, 3, H, W)`` in [0, 255] with a
    checkpoint written by ``n2n train --engine scratch`` (course network or U-Net), float32."""

    def __init__(self, path: str | Path, device: str | None = None) -> None:
        state, self.arch, self.meta = load_checkpoint(path, HOW_TO_GET)
        self.device, self.dtype = device or default_device(), torch.float32
        self.network = build_network(self.arch, self.device, self.dtype)
        self.network.load_state_dict(state)
        self.multiple = multiple_of(self.arch)

    def __call__(self, noisy: torch.Tensor) -> torch.Tensor:
        check_images(noisy, "noisy")
        with torch.no_grad():
            return predict_batches(self.network, noisy, self.device, self.dtype, self.multiple)
