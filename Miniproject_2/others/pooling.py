"""Max pooling: ``MaxPool2d``, as ``torch.nn.MaxPool2d`` without padding, dilation or ceil mode."""

from __future__ import annotations

from . import checks
from .module import Module


def window_views(x_nhwc, kernel, stride, out):
    """The ``kh*kw`` strided views ``(N, Ho, Wo, C)`` of an ``(N, H, W, C)`` tensor, one per window
    position in row-major order: view ``i*kw + j`` holds element ``(i, j)`` of every window."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out
    return [x_nhwc[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] for i in range(kh) for j in range(kw)]


def tournament_max(views):
    """Element-wise maximum of ``views`` and the decisions that locate it.

    Adjacent candidates meet in pairs, round after round; a right candidate beats its left
    neighbour only when strictly larger, so the first maximum in view order wins ties (torch's
    rule). Returns ``(maximum, rounds)``: each round lists, per pair, a 0/1 tensor that is 1 where
    the right candidate won (``None`` for a candidate that had no partner)."""
    rounds = []
    while len(views) > 1:
        winners, decisions = [], []
        for index in range(0, len(views) - 1, 2):
            left, right = views[index], views[index + 1]
            winner = left.maximum(right)
            winners.append(winner)
            # 1 exactly where right > left: the winner's excess over the left candidate is positive there and
            # 0 on ties; inf - inf and NaN give NaN, whose sign ATen defines as 0 (the left candidate wins, as
            # with right > left). Fast float passes, where a comparison to bool and a conversion back took
            # about 4x as long on these strided views.
            decisions.append(winner.sub(left).sign_())
        if len(views) % 2:
            winners.append(views[-1])
            decisions.append(None)
        rounds.append(decisions)
        views = winners
    return views[0], rounds


def route_to_winners(grad, rounds):
    """Adjoint of ``tournament_max``: the gradient of every candidate, in view order."""
    grads = [grad]
    for decisions in reversed(rounds):
        spread = []
        for g, right_won in zip(grads, decisions):
            if right_won is None:
                spread.append(g)
            else:
                right = g * right_won
                spread += [g - right, right]
        grads = spread
    return grads


class MaxPool2d(Module):
    """Maximum over ``kernel_size`` windows placed every ``stride`` pixels (default: ``kernel_size``).

    ``(N, C, H, W)`` -> ``(N, C, Ho, Wo)`` with ``Ho = (H - kh) // sh + 1`` (likewise Wo); rows and
    columns that no window reaches are ignored, as in torch.

    ``backward`` sends each output's whole gradient to the input element that was its maximum;
    where windows overlap (stride < kernel) an element receives the sum over the windows it won.

    Ties: the first maximal element of the window in row-major order wins, as in torch's CPU kernel
    (it replaces the running maximum only on a strictly larger value), so gradients match torch
    with ties too. A window holding a NaN outputs NaN.

    The computation runs on strided views of the channels-last input, one per window position
    (``window_views``), compared pairwise (``tournament_max``): no window copy, no index tensor.
    """

    def __init__(self, kernel_size, stride=None) -> None:
        super().__init__()
        self.kernel_size = checks.pair(kernel_size, "kernel_size", minimum=1)
        self.stride = self.kernel_size if stride is None else checks.pair(stride, "stride", minimum=1)
        self._saved = None

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return (height - kh) // sh + 1, (width - kw) // sw + 1

    def forward(self, x):
        checks.tensor(x, "MaxPool2d input", dims=4)
        n, c, h, w = x.shape
        (kh, kw) = self.kernel_size
        if h < kh or w < kw:
            raise ValueError(f"MaxPool2d kernel {self.kernel_size} is larger than the input {h}x{w}: use a larger input or a smaller kernel")
        views = window_views(x.permute(0, 2, 3, 1), self.kernel_size, self.stride, self.output_size(h, w))
        values, rounds = tournament_max(views)
        if not rounds:  # a 1x1 kernel: the only view is the input itself
            values = values.clone()
        self._saved = (rounds, (n, c, h, w))
        return values.permute(0, 3, 1, 2)

    def backward(self, grad_output):
        rounds, (n, c, h, w) = checks.saved(self._saved, self)
        out = self.output_size(h, w)
        checks.same_shape(grad_output, (n, c, *out), "MaxPool2d grad_output")
        grad = grad_output.new_zeros(n, h, w, c)
        for view, part in zip(window_views(grad, self.kernel_size, self.stride, out), route_to_winners(grad_output.permute(0, 2, 3, 1), rounds)):
            view += part
        return grad.permute(0, 3, 1, 2)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"
