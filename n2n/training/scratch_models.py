"""Networks of the ``scratch`` engine (Miniproject_2's framework): parse ``--arch`` and build a network
from a checkpoint's ``arch`` dict (:class:`n2n.inference.scratch_denoiser.ScratchDenoiser` denoises
with such a checkpoint).

An ``arch`` dict is plain data stored in every checkpoint:

- ``{"kind": "course", "widths": [48, 96], "kernel_size": 3, "upsampling": "nearest"}``: the course's
  network (``Miniproject_2/others/network.py``); checkpoints without ``"kind"`` are course networks;
- ``{"kind": "unet", "width": 32, "depth": 2, "channels": 3}``: Miniproject_1's U-Net on the framework.
"""

from __future__ import annotations

import re

from Miniproject_1.model import DEFAULT_ARCH as UNET_DEFAULT
from Miniproject_2.model import DEFAULT_ARCH as COURSE_DEFAULT
from Miniproject_2.model import MULTIPLE as COURSE_MULTIPLE
from Miniproject_2.others.network import course_network
from Miniproject_2.others.unet import UNet

ARCH_HELP = "course or unet[:WIDTHxDEPTH] (e.g. unet:32x2)"
HOW_TO_GET = "Train one with `n2n train --engine scratch --arch course|unet`."


def parse_arch(text: str | None) -> dict:
    """``"course"`` (default), ``"unet"`` or ``"unet:WIDTHxDEPTH"`` -> an ``arch`` dict."""
    text = "course" if text is None else text.strip()
    if text == "course":
        return {"kind": "course", **COURSE_DEFAULT}
    match = re.fullmatch(r"unet(?::(\d+)x(\d+))?", text)
    if not match:
        raise ValueError(f"--arch for the scratch engine must be {ARCH_HELP}, got {text!r}")
    width, depth = (int(match[1]), int(match[2])) if match[1] else (UNET_DEFAULT["width"], UNET_DEFAULT["depth"])
    if width < 1 or depth < 1:
        raise ValueError(f"--arch unet:WIDTHxDEPTH needs WIDTH >= 1 and DEPTH >= 1, got {text!r}")
    return {"kind": "unet", "width": width, "depth": depth, "channels": 3}


def build_network(arch: dict, device=None, dtype=None):
    """A freshly initialised framework network for ``arch``; ``ValueError`` if ``arch`` is not one."""
    try:
        kind = arch.get("kind", "course")
        if kind == "course":
            return course_network(widths=tuple(arch["widths"]), kernel_size=int(arch["kernel_size"]),
                                  upsampling=str(arch["upsampling"]), device=device, dtype=dtype)
        if kind == "unet":
            return UNet(int(arch["width"]), int(arch["depth"]), int(arch.get("channels", 3)), device=device, dtype=dtype)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"incomplete scratch architecture {arch!r}: {error}") from None
    raise ValueError(f"unknown scratch architecture kind {kind!r} in {arch!r}; expected 'course' or 'unet'")


def multiple_of(arch: dict) -> int:
    """Input heights and widths must be multiples of this (``predict`` pads, training crops)."""
    return 2 ** int(arch["depth"]) if arch.get("kind") == "unet" else COURSE_MULTIPLE
