"""The training steps that ``n2n bench framework`` times: each network of the from-scratch framework
(autograd off) and its torch twin (autograd, same initial weights, same batch).

Four paths:

- ``upsampling``: the course network with the fused ``Upsampling`` block;
- ``nearest_conv``: the same network written with separate ``NearestUpsampling`` and ``Conv2d`` layers;
- ``transpose``: the course network with stride-2 ``TransposeConv2d`` upsampling;
- ``unet``: the framework's U-Net against Miniproject_1's channels-last U-Net (Adam).

The course networks take a step of MSE, backward and SGD on 3x32x32 images, the U-Nets one of MSE,
backward and Adam, as ``n2n.bench.precision.TrainStep`` times Miniproject_1's.
"""

from __future__ import annotations

import torch

from Miniproject_2.model import MSE, SGD, Adam, Sequential, UNet, Upsampling, autocast
from Miniproject_2.others.network import course_network
from n2n.bench.precision import TrainStep
from n2n.bench.twins import twin_of

PATHS = ("upsampling", "nearest_conv", "transpose", "unet")
DESCRIPTIONS = {
    "upsampling": "course network, fused Upsampling blocks: Conv(3->32, s2), ReLU, Conv(32->64, s2), ReLU, "
                  "Upsampling(64->32), ReLU, Upsampling(32->3), Sigmoid; 3x3 kernels; SGD",
    "nearest_conv": "course network with each Upsampling written as NearestUpsampling(2) then Conv2d; SGD",
    "transpose": "course network with TransposeConv2d(stride 2, output_padding 1) upsampling; SGD",
    "unet": "U-Net 32 x 3 (width 32, depth 3) of the framework against Miniproject_1's channels-last U-Net; Adam lr 1e-4",
}
UNET_WIDTH, UNET_DEPTH, IMAGE = 32, 3, 32
COURSE_BATCH, UNET_BATCH = 64, 32  # images per step unless told otherwise


def default_batch(path: str) -> int:
    """Images per training step of ``path`` when none is given."""
    return UNET_BATCH if path == "unet" else COURSE_BATCH


def with_separate_upsampling(network: Sequential) -> Sequential:
    """The same layers (same parameter objects), each ``Upsampling`` block written as its ``NearestUpsampling``
    then its ``Conv2d``: what a user writes without the fused block (``Sequential`` runs such pairs fused)."""
    layers = []
    for layer in network.modules:
        layers += [layer.upsample, layer.conv] if isinstance(layer, Upsampling) else [layer]
    return Sequential(*layers)


def _images(batch: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(2, batch, 3, IMAGE, IMAGE, generator=generator)


class CourseStep:
    """One SGD step of a course network on the framework (``engine="framework"``) or its torch twin."""

    def __init__(self, path: str, engine: str, batch: int, bfloat16: bool = False, seed: int = 0) -> None:
        self.name = f"{path}:{engine}" + (":bfloat16" if bfloat16 else "")
        torch.manual_seed(seed)
        upsampling = "transpose" if path == "transpose" else "nearest"
        network = course_network(upsampling=upsampling)
        self.inputs, self.targets = _images(batch, seed)
        self.bfloat16 = bfloat16
        if engine == "framework":
            self.network = with_separate_upsampling(network) if path == "nearest_conv" else network
            self.loss, self.optimizer = MSE(), SGD(self.network.param(), lr=1e-3)
            self.call = self._framework
        else:
            self.twin = twin_of(network, upsampling=upsampling)
            self.optimizer = torch.optim.SGD(self.twin.parameters(), lr=1e-3)
            self.call = self._torch

    def _framework(self) -> None:
        with torch.no_grad(), autocast(self.bfloat16):
            self.optimizer.zero_grad()
            self.loss(self.network(self.inputs), self.targets)
            self.network.parameter_backward(self.loss.backward())  # no gradient for the data, as torch's x
        self.optimizer.step()

    def _torch(self) -> None:
        with torch.enable_grad():
            self.optimizer.zero_grad()
            torch.nn.functional.mse_loss(self.twin(self.inputs), self.targets).backward()
            self.optimizer.step()

    def __call__(self) -> None:
        self.call()


class UNetStep:
    """One Adam step of the framework's U-Net, or of Miniproject_1's channels-last U-Net (``TrainStep``),
    from the same weights on the same batch."""

    def __init__(self, engine: str, batch: int, bfloat16: bool = False, seed: int = 0) -> None:
        self.name = f"unet:{engine}" + (":bfloat16" if bfloat16 else "")
        self.reference = TrainStep(UNET_WIDTH, UNET_DEPTH, batch, IMAGE, False)
        self.bfloat16 = bfloat16
        if engine == "framework":
            with torch.no_grad():
                self.network = UNet(UNET_WIDTH, UNET_DEPTH)
                self.network.load_state_dict(self.reference.network.state_dict())
            self.inputs, self.targets = self.reference.x, self.reference.y
            self.loss, self.optimizer = MSE(), Adam(self.network.param(), lr=1e-4)
            self.call = self._framework
        else:
            self.call = self.reference

    def _framework(self) -> None:
        with torch.no_grad():
            self.optimizer.zero_grad()
            with autocast(self.bfloat16):
                self.loss(self.network(self.inputs), self.targets)
                self.network.parameter_backward(self.loss.backward())
            self.optimizer.step()

    def __call__(self) -> None:
        self.call()


def make_step(path: str, engine: str, batch: int, bfloat16: bool = False):
    """The step of ``path`` (``PATHS``) on ``engine`` (``"framework"`` or ``"torch"``)."""
    if path not in PATHS:
        raise ValueError(f"unknown path {path!r}: choose from {', '.join(PATHS)}")
    if path == "unet":
        return UNetStep(engine, batch, bfloat16)
    return CourseStep(path, engine, batch, bfloat16)
