"""``Sequential``: modules applied one after the other, gradients passed back in reverse."""

from __future__ import annotations

from .module import Module
from .upsampling import Upsampling


class Sequential(Module):
    """``Sequential(m0, m1, ...)``: ``forward(x) = ...m1(m0(x))``; ``backward`` runs the
    children's ``backward`` in reverse order. Children are named ``"0"``, ``"1"``, ... in
    ``state_dict`` keys, as in ``torch.nn.Sequential``."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise ValueError(f"Sequential argument {index} must be a Module, got {type(module).__name__}")
        self.modules = list(modules)
        self._steps, self._steps_key = [], None

    def children(self):
        return [(str(index), module) for index, module in enumerate(self.modules)]

    def __len__(self) -> int:
        return len(self.modules)

    def __getitem__(self, index: int) -> Module:
        return self.modules[index]

    def steps(self) -> list[Module]:
        """What ``forward`` runs: the children, except that a ``NearestUpsampling`` followed by a
        stride-1 ``Conv2d`` runs as one fused ``Upsampling`` over the two (same parameters, same
        result, without building the upsampled image)."""
        key = tuple(map(id, self.modules))
        if self._steps_key != key:
            steps, index = [], 0
            while index < len(self.modules):
                pair = self.modules[index:index + 2]
                if len(pair) == 2 and Upsampling.fuses(*pair):
                    steps.append(Upsampling.around(*pair))
                    index += 2
                else:
                    steps.append(self.modules[index])
                    index += 1
            self._steps, self._steps_key = steps, key
        return self._steps

    def forward(self, x):
        for module in self.steps():
            x = module.forward(x)
        return x

    def backward(self, grad_output):
        for module in reversed(self.steps()):
            grad_output = module.backward(grad_output)
        return grad_output

    def parameter_backward(self, grad_output) -> None:
        steps = self.steps()
        for module in reversed(steps[1:]):
            grad_output = module.backward(grad_output)
        if steps:
            steps[0].parameter_backward(grad_output)
