"""A small U-Net for Noise2Noise denoising, in the spirit of Lehtinen et al. (2018).

Every convolution is 3x3 with a leaky ReLU (slope 0.1); downsampling is 2x2 max-pooling,
upsampling is nearest-neighbour followed by a convolution over the concatenated skip
connection. All levels share one width, as in the paper's network. The output is added to the
input (residual learning) and its last layer starts at zero, so training starts from the identity.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def _conv(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.LeakyReLU(0.1, inplace=True))


class UNet(nn.Module):
    """``(N, 3, H, W)`` images scaled to [0, 1] -> ``(N, 3, H, W)`` denoised images in the same scale.

    ``H`` and ``W`` must be multiples of ``2 ** depth`` (see ``multiple``); callers pad.
    """

    def __init__(self, width: int = 32, depth: int = 2, channels: int = 3) -> None:
        super().__init__()
        if width < 1 or depth < 1:
            raise ValueError(f"UNet needs width >= 1 and depth >= 1, got width={width}, depth={depth}")
        self.width, self.depth, self.channels = width, depth, channels
        self.head = nn.Sequential(_conv(channels, width), _conv(width, width))
        self.down = nn.ModuleList(_conv(width, width) for _ in range(depth))
        self.bottom = _conv(width, width)
        self.up = nn.ModuleList(nn.Sequential(_conv(2 * width, width), _conv(width, width)) for _ in range(depth))
        self.tail = nn.Conv2d(width, channels, 3, padding=1)
        # Zero-initialised last layer: training starts from the identity, never worse than the input.
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    @property
    def multiple(self) -> int:
        """Input height and width must be divisible by this."""
        return 2 ** self.depth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        h = self.head(x)
        for down in self.down:
            skips.append(h)
            h = down(F.max_pool2d(h, 2))
        h = self.bottom(h)
        for up in self.up:
            h = F.interpolate(h, scale_factor=2, mode="nearest")
            h = up(torch.cat([h, skips.pop()], dim=1))
        return x + self.tail(h)

    def arch(self) -> dict:
        """The constructor arguments, enough to rebuild this network from a state_dict."""
        return {"width": self.width, "depth": self.depth, "channels": self.channels}


def arch_from_state_dict(state: dict) -> dict:
    """Recover ``UNet`` constructor arguments from the shapes in one of its state_dicts."""
    try:
        width, channels = state["head.0.0.weight"].shape[:2]
    except (KeyError, AttributeError, ValueError) as error:
        raise ValueError("not a UNet state_dict: no 'head.0.0.weight' tensor") from error
    depth = len({key.split(".")[1] for key in state if key.startswith("down.")})
    return {"width": int(width), "depth": int(depth), "channels": int(channels)}
