"""Miniproject 2 course interface: a Noise2Noise denoiser on the from-scratch framework.

``Model()`` builds the course's prescribed network (``others/network.py``) on CUDA when available,
else on the CPU; ``load_pretrained_model`` loads ``bestmodel.pth`` next to this file; ``train``
continues from the current weights (at peak rate ``PRETRAINED_LR`` once weights were loaded);
``predict`` denoises ``(N, 3, H, W)`` images of any size.
Images are uint8 or float in [0, 255]. Everything runs with autograd off.

The framework's blocks are importable from here (``from Miniproject_2.model import Conv2d,
TransposeConv2d, NearestUpsampling, Upsampling, ReLU, Sigmoid, MSE, SGD, Sequential``), and so is
its mixed precision, off by default (``autocast``: bfloat16 products, float32 master weights).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from torch import empty

from .others.activations import LeakyReLU, ReLU, Sigmoid
from .others.container import Sequential
from .others.conv import Conv2d, TransposeConv2d
from .others.images import check_epochs, check_images, check_pair
from .others.loss import MSE
from .others.module import Module
from .others.network import course_network
from .others.optim import SGD, Adam
from .others.pooling import MaxPool2d
from .others.precision import autocast
from .others.serialization import load_checkpoint, save_checkpoint
from .others.skips import Concat, Identity, Residual, SkipConcat
from .others.training import TrainConfig, fit, make_optimizer, predict_batches
from .others.unet import UNet
from .others.upsampling import NearestUpsampling, Upsampling

__all__ = [
    "Adam", "Conv2d", "LeakyReLU", "MSE", "Model", "Module", "NearestUpsampling", "ReLU", "SGD",
    "Sequential", "Sigmoid", "TransposeConv2d", "Upsampling",
    "Concat", "Identity", "MaxPool2d", "Residual", "SkipConcat", "UNet", "autocast",
]

BEST_MODEL_PATH = Path(__file__).resolve().parent / "bestmodel.pth"
HOW_TO_GET = "Restore it with `git checkout -- Miniproject_2/bestmodel.pth` or train one with `n2n train --engine scratch --arch course`."
# The architecture and training set-up chosen by ablation (results/miniproject_2/ablations.csv) and
# confirmed on full-length runs (results/miniproject_2/full_runs/).
DEFAULT_ARCH = {"widths": [64, 128], "kernel_size": 3, "upsampling": "nearest"}
DEFAULT_CONFIG = TrainConfig(batch_size=16, optimizer="adam", lr=4e-3)
# Peak rate when train() continues from loaded weights: the from-scratch 4e-3 first undoes part of
# their training (one epoch from bestmodel.pth: 27.56 -> 27.50 dB at 4e-3, -> 27.64 dB at 1e-3;
# results/miniproject_2/finetune.json).
PRETRAINED_LR = 1e-3
MULTIPLE = 4  # two stride-2 convolutions: sizes must divide by 4 (predict pads, train crops)


def default_device() -> str:
    """``"cuda"`` when a CUDA device can hold a tensor, else ``"cpu"``."""
    try:
        empty(1, device="cuda")
        return "cuda"
    except (AssertionError, RuntimeError):
        return "cpu"


class Model:
    """Noise2Noise denoiser with the course interface (see the module docstring)."""

    def __init__(self) -> None:
        self.device = default_device()
        self.dtype = empty(0).dtype  # float32
        self.config = DEFAULT_CONFIG
        self.pretrained = False
        self._build(dict(DEFAULT_ARCH))

    def _build(self, arch: dict) -> None:
        self.arch = arch
        self.network = course_network(widths=tuple(arch["widths"]), kernel_size=arch["kernel_size"],
                                      upsampling=arch["upsampling"], device=self.device, dtype=self.dtype)
        self.optimizer = make_optimizer(self.network, self.config)

    def load_pretrained_model(self) -> None:
        """Load ``Miniproject_2/bestmodel.pth`` (architecture read from the file)."""
        self.load_weights(BEST_MODEL_PATH)

    def load_weights(self, path) -> None:
        """Load a checkpoint written by ``save_weights`` (or ``n2n train --engine scratch``)."""
        state, arch, _ = load_checkpoint(path, HOW_TO_GET)
        try:
            self._build({"widths": list(arch["widths"]), "kernel_size": int(arch["kernel_size"]), "upsampling": str(arch["upsampling"])})
        except (KeyError, TypeError) as error:
            raise ValueError(f"{path} does not describe a course network (arch {arch!r}). {HOW_TO_GET}") from error
        self.network.load_state_dict(state)
        self.pretrained = True

    def save_weights(self, path, meta: dict | None = None, overwrite: bool = False) -> None:
        """Write the current weights and architecture as a plain-data checkpoint, atomically."""
        save_checkpoint(path, self.network.state_dict(), self.arch, meta, overwrite=overwrite)

    def train(self, train_input, train_target, num_epochs: int = 1) -> None:
        """Train on ``(N, 3, H, W)`` noisy pairs (uint8 or float in [0, 255]) for ``num_epochs`` epochs,
        continuing from the current weights."""
        check_pair(train_input, train_target)
        config = replace(self.config, lr=min(self.config.lr, PRETRAINED_LR)) if self.pretrained else self.config
        fit(self.network, self.optimizer, train_input, train_target, check_epochs(num_epochs), config,
            self.device, self.dtype, MULTIPLE)

    def predict(self, test_input):
        """``(N, 3, H, W)`` uint8/float in [0, 255] -> float ``(N, 3, H, W)`` in [0, 255] on the input's device."""
        check_images(test_input, "test_input")
        return predict_batches(self.network, test_input, self.device, self.dtype, MULTIPLE)
