"""Miniproject_1's U-Net (``Miniproject_1/others/unet.py``) on the from-scratch framework.

Same layers: 3x3 convolutions each followed by a leaky ReLU (slope 0.1), 2x2 max-pooling down,
nearest-neighbour upsampling then a convolution over ``cat([upsampled, skip])`` up, one width at
every level, a zero-initialised last convolution and a residual connection around everything.
Same ``state_dict`` keys and shapes (``head.0.0.weight``, ``down.1.0.bias``, ``up.0.1.0.weight``,
``tail.weight``, ...), so Miniproject_1's weights load into it and back.

The keys come from the layers' *layout* (``head``, ``down``, ``bottom``, ``up``, ``tail``); the
computation runs through a separate *wiring* of the same layer objects with the skip containers
(depth 2 shown, ``L`` = conv + leaky ReLU)::

    Residual(Sequential(head,
        SkipConcat(Sequential(MaxPool, down.0,
            SkipConcat(Sequential(MaxPool, down.1, bottom, NearestUpsampling)), up.0,
        NearestUpsampling)), up.1,
    tail))
"""

from __future__ import annotations

from . import checks
from .activations import LeakyReLU
from .container import Sequential
from .conv import Conv2d
from .module import Module
from .pooling import MaxPool2d
from .skips import Residual, SkipConcat
from .upsampling import NearestUpsampling

NEGATIVE_SLOPE = 0.1


class ModuleList(Module):
    """An indexed holder of modules (children ``"0"``, ``"1"``, ...), as ``torch.nn.ModuleList``;
    it only names parameters, it is never called."""

    def __init__(self, modules) -> None:
        super().__init__()
        self.modules = list(modules)

    def children(self):
        return [(str(index), module) for index, module in enumerate(self.modules)]

    def __getitem__(self, index: int) -> Module:
        return self.modules[index]

    def __len__(self) -> int:
        return len(self.modules)


def conv_block(in_channels: int, out_channels: int, device=None, dtype=None) -> Sequential:
    """3x3 convolution (padding 1) + leaky ReLU: ``(N, C_in, H, W)`` -> ``(N, C_out, H, W)``."""
    return Sequential(Conv2d(in_channels, out_channels, 3, padding=1, device=device, dtype=dtype), LeakyReLU(NEGATIVE_SLOPE))


class UNet(Module):
    """``(N, channels, H, W)`` images scaled to [0, 1] -> denoised ``(N, channels, H, W)``, same scale.

    ``H`` and ``W`` must be multiples of ``2 ** depth`` (``multiple``); callers pad.
    """

    def __init__(self, width: int = 32, depth: int = 2, channels: int = 3, device=None, dtype=None) -> None:
        super().__init__()
        self.width = checks.positive_int(width, "width")
        self.depth = checks.positive_int(depth, "depth")
        self.channels = checks.positive_int(channels, "channels")
        options = dict(device=device, dtype=dtype)
        self.head = Sequential(conv_block(channels, width, **options), conv_block(width, width, **options))
        self.down = ModuleList(conv_block(width, width, **options) for _ in range(depth))
        self.bottom = conv_block(width, width, **options)
        self.up = ModuleList(Sequential(conv_block(2 * width, width, **options), conv_block(width, width, **options)) for _ in range(depth))
        self.tail = Conv2d(width, channels, 3, padding=1, **options)
        # Zero-initialised last layer: training starts from the identity, never worse than the input.
        self.tail.weight.zero_()
        self.tail.bias.zero_()
        self.wiring = self._wire()

    def _wire(self) -> Module:
        """The computation graph over the layers above (see the module docstring)."""
        inner = self.bottom
        for level in reversed(range(self.depth)):
            # up.0 belongs to the deepest level, up.(depth-1) to the outermost one, as in Miniproject_1.
            descend = Sequential(MaxPool2d(2), self.down[level], inner, NearestUpsampling(2))
            inner = Sequential(SkipConcat(descend), self.up[self.depth - 1 - level])
        return Residual(Sequential(self.head, inner, self.tail))

    def children(self):
        # The layout gives the parameter names; the wiring holds the same layers, so it is left out.
        return [("head", self.head), ("down", self.down), ("bottom", self.bottom), ("up", self.up), ("tail", self.tail)]

    def train(self, mode: bool = True) -> "UNet":
        self.training = bool(mode)
        self.wiring.train(mode)
        return self

    @property
    def multiple(self) -> int:
        """Input height and width must be divisible by this."""
        return 2 ** self.depth

    def forward(self, x):
        checks.image_batch(x, "UNet input", self.channels)
        if x.shape[2] % self.multiple or x.shape[3] % self.multiple:
            raise ValueError(f"UNet input height and width must be multiples of {self.multiple} (2 ** depth), got shape {tuple(x.shape)}: pad the input")
        return self.wiring.forward(x)

    def backward(self, grad_output):
        """Gradient ``(N, channels, H, W)`` w.r.t. the output -> gradient w.r.t. the input (same shape)."""
        return self.wiring.backward(grad_output)

    def arch(self) -> dict:
        """The constructor arguments, enough to rebuild this network from a state_dict."""
        return {"width": self.width, "depth": self.depth, "channels": self.channels}

    def extra_repr(self) -> str:
        return f"width={self.width}, depth={self.depth}, channels={self.channels}"
