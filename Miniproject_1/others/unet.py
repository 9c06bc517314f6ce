"""A small U-Net for Noise2Noise denoising, in the spirit of Lehtinen et al. (2018).

Every convolution is 3x3 with a leaky ReLU (slope 0.1); downsampling is 2x2 max-pooling,
upsampling is nearest-neighbour followed by a convolution over the concatenated skip
connection. By default all levels share one width, as in the paper's network; ``widths`` gives
each level its own (level 0 is full resolution, level ``depth`` the bottom), which puts capacity
where pixels are few and convolutions cheap. The output is added to the input (residual learning)
and its last layer starts at zero, so training starts from the identity.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def _conv(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.LeakyReLU(0.1, inplace=True))


def check_widths(widths, depth: int) -> tuple[int, ...]:
    """``widths`` as a tuple of ``depth + 1`` positive ints, else ``ValueError`` saying what is wrong."""
    widths = tuple(widths)
    if len(widths) != depth + 1 or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths):
        raise ValueError(f"UNet widths must be {depth + 1} positive integers (one per level, full resolution "
                         f"first, for depth {depth}), got {widths!r}")
    return widths


class UNet(nn.Module):
    """``(N, 3, H, W)`` images scaled to [0, 1] -> ``(N, 3, H, W)`` denoised images in the same scale.

    ``H`` and ``W`` must be multiples of ``2 ** depth`` (see ``multiple``); callers pad. ``widths``
    (``depth + 1`` channel counts, full resolution first) overrides ``width``, which is then
    ``widths[0]``.
    """

    def __init__(self, width: int = 32, depth: int = 2, channels: int = 3, widths=None) -> None:
        super().__init__()
        if width < 1 or depth < 1:
            raise ValueError(f"UNet needs width >= 1 and depth >= 1, got width={width}, depth={depth}")
        levels = check_widths(widths, depth) if widths is not None else (width,) * (depth + 1)
        self.width, self.depth, self.channels, self.widths = levels[0], depth, channels, levels
        self.head = nn.Sequential(_conv(channels, levels[0]), _conv(levels[0], levels[0]))
        self.down = nn.ModuleList(_conv(levels[i], levels[i + 1]) for i in range(depth))
        self.bottom = _conv(levels[depth], levels[depth])
        # up[j] works at level depth - 1 - j: the upsampled level below, then the skip connection.
        self.up = nn.ModuleList(
            nn.Sequential(_conv(levels[depth - j] + levels[depth - 1 - j], levels[depth - 1 - j]),
                          _conv(levels[depth - 1 - j], levels[depth - 1 - j]))
            for j in range(depth))
        self.tail = nn.Conv2d(levels[0], channels, 3, padding=1)
        # Zero-initialised last layer: training starts from the identity, never worse than the input.
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    @property
    def multiple(self) -> int:
        """Input height and width must be divisible by this."""
        return 2 ** self.depth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.tail(self.features(x))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C, H, W)`` -> ``(N, widths[0], H, W)``: the last full-resolution features, before the output layer."""
        skips = []
        h = self.head(x)
        for down in self.down:
            skips.append(h)
            h = down(F.max_pool2d(h, 2))
        h = self.bottom(h)
        for up in self.up:
            h = F.interpolate(h, scale_factor=2, mode="nearest")
            h = up(torch.cat([h, skips.pop()], dim=1))
        return h

    def macs_per_pixel(self) -> float:
        """Multiply-accumulates of one forward pass per input pixel (the 3x3 convolutions; level ``k`` has
        ``4 ** -k`` as many pixels as the input)."""
        w, depth, conv = self.widths, self.depth, lambda cin, cout: 9 * cin * cout  # noqa: E731
        total = conv(self.channels, w[0]) + conv(w[0], w[0]) + conv(w[0], self.channels)
        total += sum(conv(w[level - 1], w[level]) / 4**level for level in range(1, depth + 1)) + conv(w[depth], w[depth]) / 4**depth
        total += sum((conv(w[level + 1] + w[level], w[level]) + conv(w[level], w[level])) / 4**level for level in range(depth))
        return total

    def arch(self) -> dict:
        """The constructor arguments, enough to rebuild this network from a state_dict (``widths`` only when
        the levels differ, so a uniform network's arch is the same as before widths existed)."""
        arch = {"width": self.width, "depth": self.depth, "channels": self.channels}
        if len(set(self.widths)) > 1:
            arch["widths"] = list(self.widths)
        return arch


def arch_from_state_dict(state: dict) -> dict:
    """Recover ``UNet`` constructor arguments from the shapes in one of its state_dicts."""
    try:
        width, channels = state["head.0.0.weight"].shape[:2]
    except (KeyError, AttributeError, ValueError) as error:
        raise ValueError("not a UNet state_dict: no 'head.0.0.weight' tensor") from error
    depth = len({key.split(".")[1] for key in state if key.startswith("down.")})
    arch = {"width": int(width), "depth": int(depth), "channels": int(channels)}
    try:
        widths = [int(width)] + [int(state[f"down.{i}.0.weight"].shape[0]) for i in range(depth)]
    except (KeyError, AttributeError, IndexError) as error:
        raise ValueError(f"not a UNet state_dict: {error}") from error
    if len(set(widths)) > 1:
        arch["widths"] = widths
    return arch
