"""The ``Module`` contract: explicit ``forward``/``backward`` and parameter/gradient pairs.

A module's ``forward(*inputs)`` computes its output and keeps what ``backward`` will need;
``backward(*grad_outputs)`` accumulates the gradients of its parameters (``+=``) and returns
the gradient of the loss with respect to its inputs. ``parameter_backward(*grad_outputs)`` is the
training step's backward: the same parameter gradients, without the gradient w.r.t. the input
where a layer can skip it (the input is data: nobody reads it, as autograd skips inputs that do not
require a gradient). ``param()`` lists ``(parameter, gradient)``
pairs, which optimizers update in place. No autograd is involved anywhere.

Parameters are registered by name (``register_parameter``); a parameter ``weight`` lives in
``self.weight`` and its gradient in ``self.weight_grad``. Sub-modules are found through
``children()``, so housekeeping (``state_dict``, ``zero_grad``, ``to``, ``train``) recurses.
"""

from __future__ import annotations

from .checks import Tensor


class Module:
    def __init__(self) -> None:
        self.training = True
        self._parameter_names: list[str] = []

    # The course contract -------------------------------------------------------------------
    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, *grad_outputs):
        raise NotImplementedError

    def parameter_backward(self, *grad_outputs) -> None:
        """Accumulate the parameter gradients as ``backward`` does; the input's gradient is not returned
        (layers that can skip computing it do: ``Conv2d``, ``TransposeConv2d``, ``Upsampling``, and the
        containers whose first layer can)."""
        self.backward(*grad_outputs)

    def param(self) -> list:
        """``(parameter, gradient)`` pairs of this module and its children, in a stable order."""
        return [(value, grad) for _, value, grad in self.named_parameters()]

    def __call__(self, *inputs):
        return self.forward(*inputs)

    # Parameters ------------------------------------------------------------------------------
    def register_parameter(self, name: str, value) -> None:
        """Register ``value`` as parameter ``name`` with a zeroed gradient ``name + '_grad'``."""
        if not isinstance(value, Tensor):
            raise ValueError(f"parameter {name!r} must be a tensor, got {type(value).__name__}")
        setattr(self, name, value)
        setattr(self, name + "_grad", value.new_zeros(value.shape))
        if name not in self._parameter_names:
            self._parameter_names.append(name)

    def children(self) -> list[tuple[str, "Module"]]:
        """``(name, module)`` of the direct sub-modules, in attribute order."""
        return [(name, value) for name, value in vars(self).items() if isinstance(value, Module)]

    def named_parameters(self, prefix: str = ""):
        """Yield ``(dotted name, parameter, gradient)`` for this module and its children."""
        for name in self._parameter_names:
            yield prefix + name, getattr(self, name), getattr(self, name + "_grad")
        for child_name, child in self.children():
            yield from child.named_parameters(f"{prefix}{child_name}.")

    def parameters(self) -> list:
        return [value for value, _ in self.param()]

    def zero_grad(self) -> None:
        for _, grad in self.param():
            grad.zero_()

    # Housekeeping ----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """A plain ``{dotted name: tensor copy}`` of every parameter."""
        return {name: value.clone() for name, value, _ in self.named_parameters()}

    def load_state_dict(self, state: dict) -> None:
        """Copy ``state``'s tensors into the parameters, after checking names and shapes."""
        if not isinstance(state, dict):
            raise ValueError(f"state must be a dict of tensors, got {type(state).__name__}")
        own = {name: value for name, value, _ in self.named_parameters()}
        missing = sorted(set(own) - set(state))
        unexpected = sorted(set(state) - set(own))
        if missing or unexpected:
            raise ValueError(f"state_dict does not match the module: missing keys {missing}, unexpected keys {unexpected}")
        for name, value in own.items():
            new = state[name]
            if not isinstance(new, Tensor):
                raise ValueError(f"state_dict[{name!r}] must be a tensor, got {type(new).__name__}")
            if tuple(new.shape) != tuple(value.shape):
                raise ValueError(f"state_dict[{name!r}] has shape {tuple(new.shape)}, expected {tuple(value.shape)}")
            value.copy_(new)

    def to(self, device=None, dtype=None) -> "Module":
        """Move (and/or cast) parameters and gradients in place, keeping the tensor objects, so
        optimizers built earlier keep working."""
        for _, value, grad in self.named_parameters():
            value.data = value.data.to(device=device, dtype=dtype)
            grad.data = grad.data.to(device=device, dtype=dtype)
        return self

    def train(self, mode: bool = True) -> "Module":
        self.training = bool(mode)
        for _, child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = self.children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
