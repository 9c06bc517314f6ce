"""Grow a trained UNet's levels without changing what it computes (function-preserving widening).

Every convolution of the wider network holds the old kernel in the block of old output and old
input channels. The added output channels get a fresh random kernel (PyTorch's default
initialisation for the new layer's fan-in), and every kernel entry that carries an added channel
into an old one is zero. The old channels therefore see exactly their old inputs, the added ones
feed nothing old, and the network's output is unchanged; training then learns those zero entries
(their gradient is the added channels' activation times the old channels' gradient, not zero) and
so brings the new capacity in gradually, from the trained function instead of from scratch.
"""

from __future__ import annotations

import torch
from torch import nn

from .unet import UNet, arch_from_state_dict, check_widths


def _layout(widths: tuple[int, ...], depth: int, channels: int) -> dict[str, tuple[list[int], int]]:
    """For each convolution's weight key: the sizes of the channel groups its input concatenates, and its
    output level (``-1``: the image channels)."""
    layout = {"head.0.0": ([channels], 0), "head.1.0": ([widths[0]], 0), "bottom.0": ([widths[depth]], depth),
              "tail": ([widths[0]], -1)}
    for i in range(depth):
        layout[f"down.{i}.0"] = ([widths[i]], i + 1)
    for j in range(depth):
        level = depth - 1 - j
        layout[f"up.{j}.0.0"] = ([widths[level + 1], widths[level]], level)
        layout[f"up.{j}.1.0"] = ([widths[level]], level)
    return layout


def _input_groups(old_key: str, old: dict, new: dict) -> list[tuple[int, int, int]]:
    """``(old start, new start, old size)`` of each input group of one convolution."""
    groups, old_start, new_start = [], 0, 0
    for old_size, new_size in zip(old[old_key][0], new[old_key][0]):
        groups.append((old_start, new_start, old_size))
        old_start, new_start = old_start + old_size, new_start + new_size
    return groups


def widen_state_dict(state: dict, widths, generator: torch.Generator | None = None) -> dict:
    """A UNet state_dict with per-level ``widths`` (full resolution first) that computes what ``state`` computes.

    ``widths`` must have one entry per level of ``state``'s network, each at least its current width.
    ``generator`` seeds the added channels' kernels. Returns a new state_dict (``state`` is not changed)."""
    arch = arch_from_state_dict(state)
    depth, channels = arch["depth"], arch["channels"]
    old_widths = tuple(arch.get("widths", [arch["width"]] * (depth + 1)))
    widths = check_widths(widths, depth)
    if any(new < old for new, old in zip(widths, old_widths)):
        raise ValueError(f"widening cannot narrow a level: the network's widths are {list(old_widths)}, "
                         f"asked for {list(widths)}; give each level at least its current width")
    fresh = UNet(depth=depth, channels=channels, widths=widths)
    if generator is not None:
        for module in fresh.modules():
            if isinstance(module, nn.Conv2d):
                _reset(module, generator)
    old_layout, new_layout = _layout(old_widths, depth, channels), _layout(widths, depth, channels)
    grown = {}
    for key, target in fresh.state_dict().items():
        conv, kind = key.rsplit(".", 1)
        source = state[key]
        out_level = new_layout[conv][1]
        old_out = channels if out_level < 0 else old_widths[out_level]
        target = target.clone()
        if kind == "bias":
            target[:old_out] = source
        else:
            target[:old_out] = 0  # old outputs read nothing from added inputs ...
            for old_start, new_start, size in _input_groups(conv, old_layout, new_layout):
                target[:old_out, new_start:new_start + size] = source[:, old_start:old_start + size]
        grown[key] = target  # ... and added outputs keep their fresh kernel
    return grown


def _reset(conv: nn.Conv2d, generator: torch.Generator) -> None:
    """PyTorch's default Conv2d initialisation (uniform, bound 1/sqrt(fan_in)), drawn from ``generator``."""
    bound = 1 / (conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1]) ** 0.5
    with torch.no_grad():
        conv.weight.copy_(torch.rand(conv.weight.shape, generator=generator) * 2 * bound - bound)
        conv.bias.copy_(torch.rand(conv.bias.shape, generator=generator) * 2 * bound - bound)
