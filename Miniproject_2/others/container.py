"""``Sequential``: modules applied one after the other, gradients passed back in reverse."""

from __future__ import annotations

from .module import Module


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

    def children(self):
        return [(str(index), module) for index, module in enumerate(self.modules)]

    def __len__(self) -> int:
        return len(self.modules)

    def __getitem__(self, index: int) -> Module:
        return self.modules[index]

    def forward(self, x):
        for module in self.modules:
            x = module.forward(x)
        return x

    def backward(self, grad_output):
        for module in reversed(self.modules):
            grad_output = module.backward(grad_output)
        return grad_output
