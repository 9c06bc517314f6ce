"""Miniproject_1's U-Net (``Miniproject_1/others/unet.py``) on the from-scratch framework.

Same layers: 3x3 convolutions each followed by a leaky ReLU (slope 0.1), 2x2 max-pooling down,
nearest-neighbour upsampling then a convolution over ``cat([upsampled, skip])`` up, one width at
every level, a zero-initialised last convolution and a residual connection around everything.
Same ``state_dict`` keys and shapes (``head.0.0.weight``, ``down.1.0.bias``, ``up.0.1.0.weight``,
``tail.weight``, ...), so Miniproject_1's weights load into it and back.

The keys come from the layers' *layout* (``head``, ``down``, ``bottom``, ``up``, ``tail``); the
computation runs through fused blocks over the same layer objects (``unet_blocks``), which pass
zero-bordered channels-last grids between them (``grid``): no padding copy, no upsampled image,
no concatenation. Depth 2 shown (``C`` = conv + leaky ReLU, ``UpC`` = upsample + concatenate + C)::

    x -> GridInput(head.0) -> C(head.1) = s0 -> Pool -> C(down.0) = s1 -> Pool -> C(down.1)
      -> C(bottom) -> UpC(., s1; up.0.0) -> C(up.0.1) -> UpC(., s0; up.1.0) -> C(up.1.1)
      -> GridOutput(tail) -> + x

The same network built from the framework's generic blocks (``Residual``, ``SkipConcat``,
``MaxPool2d``, ``NearestUpsampling``, ``Sequential``) computes the same function, about twice as
slowly (``docs/framework/speed.md``).
"""

from __future__ import annotations

from . import checks
from .activations import LeakyReLU
from .container import Sequential
from .conv import Conv2d
from .module import Module
from .unet_blocks import GridConv, GridInput, GridOutput, GridPool, GridUpConv

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
        self._build_blocks()

    def _build_blocks(self) -> None:
        """The fused blocks the computation runs through (see the module docstring), over the layout's layers."""
        fused = lambda block: GridConv(block[0], block[1].negative_slope)  # noqa: E731
        self.head_in = GridInput(self.head[0][0], self.head[0][1].negative_slope)
        self.head_conv = fused(self.head[1])
        self.pools = [GridPool() for _ in range(self.depth)]
        self.down_convs = [fused(block) for block in self.down]
        self.bottom_conv = fused(self.bottom)
        self.up_convs = [GridUpConv(first[0], first[1].negative_slope, self.width) for first, _ in self.up]
        self.up_second_convs = [fused(second) for _, second in self.up]
        self.tail_out = GridOutput(self.tail)

    def children(self):
        # The layout gives the parameter names; the fused blocks use the same layers and are left out.
        return [("head", self.head), ("down", self.down), ("bottom", self.bottom), ("up", self.up), ("tail", self.tail)]

    @property
    def multiple(self) -> int:
        """Input height and width must be divisible by this."""
        return 2 ** self.depth

    def forward(self, x):
        checks.image_batch(x, "UNet input", self.channels)
        if x.shape[2] % self.multiple or x.shape[3] % self.multiple:
            raise ValueError(f"UNet input height and width must be multiples of {self.multiple} (2 ** depth), got shape {tuple(x.shape)}: pad the input")
        grid = self.head_conv(self.head_in(x))
        skips = []
        for pool, down in zip(self.pools, self.down_convs):
            skips.append(grid)
            grid = down(pool(grid))
        grid = self.bottom_conv(grid)
        for up, second in zip(self.up_convs, self.up_second_convs):
            grid = second(up(grid, skips.pop()))
        return x + self.tail_out(grid)

    def backward(self, grad_output):
        """Gradient ``(N, channels, H, W)`` w.r.t. the output -> gradient w.r.t. the input (same shape)."""
        return grad_output + self.head_in.backward(self._backward_to_head(grad_output))

    def parameter_backward(self, grad_output) -> None:
        self.head_in.backward(self._backward_to_head(grad_output), input_grad=False)

    def _backward_to_head(self, grad_output):
        """Backward through every block but the first; returns the gradient w.r.t. the first block's output."""
        grad = self.tail_out.backward(grad_output)
        skip_grads = []
        for up, second in zip(reversed(self.up_convs), reversed(self.up_second_convs)):
            grad, skip_grad = up.backward(second.backward(grad))
            skip_grads.append(skip_grad)  # outermost level first
        grad = self.bottom_conv.backward(grad)
        for pool, down in zip(reversed(self.pools), reversed(self.down_convs)):
            grad = pool.backward(down.backward(grad), skip_grads.pop())
        return self.head_conv.backward(grad)

    def arch(self) -> dict:
        """The constructor arguments, enough to rebuild this network from a state_dict."""
        return {"width": self.width, "depth": self.depth, "channels": self.channels}

    def extra_repr(self) -> str:
        return f"width={self.width}, depth={self.depth}, channels={self.channels}"
