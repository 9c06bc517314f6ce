"""The network the course prescribes for Miniproject 2, built from the framework's blocks::

    Sequential(Conv(stride 2), ReLU, Conv(stride 2), ReLU, Upsampling, ReLU, Upsampling, Sigmoid)

It maps ``(N, 3, H, W)`` images in [0, 1] (H, W multiples of 4) to images in [0, 1].
"""

from __future__ import annotations

from .activations import ReLU, Sigmoid
from .container import Sequential
from .conv import Conv2d, TransposeConv2d
from .upsampling import Upsampling

UPSAMPLING_KINDS = ("nearest", "transpose")


def course_network(widths=(32, 64), kernel_size: int = 3, upsampling: str = "nearest", device=None, dtype=None) -> Sequential:
    """Build the prescribed network.

    ``widths``: channels after the first and the second strided convolution; ``kernel_size``: an
    odd kernel used by every layer; ``upsampling``: ``"nearest"`` (nearest-neighbour upsampling
    + convolution) or ``"transpose"`` (a stride-2 transposed convolution).
    """
    if upsampling not in UPSAMPLING_KINDS:
        raise ValueError(f"upsampling must be one of {UPSAMPLING_KINDS}, got {upsampling!r}")
    if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be an odd positive int (so sizes halve and double exactly), got {kernel_size!r}")
    if len(widths) != 2:
        raise ValueError(f"widths must be two channel counts, got {widths!r}")
    first, second = widths
    pad = kernel_size // 2
    options = dict(device=device, dtype=dtype)

    def up(channels_in, channels_out):
        if upsampling == "nearest":
            return Upsampling(channels_in, channels_out, kernel_size, scale_factor=2, padding=pad, **options)
        return TransposeConv2d(channels_in, channels_out, kernel_size, stride=2, padding=pad, output_padding=1, **options)

    return Sequential(
        Conv2d(3, first, kernel_size, stride=2, padding=pad, **options), ReLU(),
        Conv2d(first, second, kernel_size, stride=2, padding=pad, **options), ReLU(),
        up(second, first), ReLU(),
        up(first, 3), Sigmoid(),
    )
