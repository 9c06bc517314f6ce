"""Optimizers over ``(parameter, gradient)`` pairs (a module's ``param()``), updated in place.

The update rules follow ``torch.optim.SGD`` and ``torch.optim.Adam`` (L2 weight decay added to
the gradient, no AMSGrad) operation for operation, so trajectories match PyTorch's.
"""

from __future__ import annotations

import math

from . import checks


class Optimizer:
    def __init__(self, params, lr: float) -> None:
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list: pass module.param()")
        for index, pair in enumerate(params):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"params[{index}] must be a (parameter, gradient) pair as returned by Module.param()")
            value, grad = pair
            checks.tensor(value, f"params[{index}] parameter")
            checks.tensor(grad, f"params[{index}] gradient")
            if value.shape != grad.shape:
                raise ValueError(f"params[{index}]: parameter {tuple(value.shape)} and gradient {tuple(grad.shape)} differ in shape")
        _non_negative(lr, "lr")
        self.params = [tuple(pair) for pair in params]
        self.lr = float(lr)

    def zero_grad(self) -> None:
        for _, grad in self.params:
            grad.zero_()

    def step(self) -> None:
        raise NotImplementedError


def _non_negative(value, name: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay::

        d = grad + weight_decay * p
        buf = d (first step)  or  momentum * buf + (1 - dampening) * d
        d = d + momentum * buf (Nesterov)  or  buf
        p -= lr * d
    """

    def __init__(self, params, lr: float, momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative(momentum, "momentum")
        self.dampening = float(dampening)
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        self.buffers = [None] * len(self.params)

    def step(self) -> None:
        for index, (value, grad) in enumerate(self.params):
            direction = grad if self.weight_decay == 0 else grad + self.weight_decay * value
            if self.momentum != 0:
                buffer = self.buffers[index]
                if buffer is None:
                    buffer = self.buffers[index] = direction.clone()
                else:
                    buffer.mul_(self.momentum).add_(direction, alpha=1 - self.dampening)
                direction = direction + self.momentum * buffer if self.nesterov else buffer
            value.add_(direction, alpha=-self.lr)


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, as ``torch.optim.Adam``::

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g**2
        p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _non_negative(eps, "eps")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.step_count = 0
        self.first_moments = [value.new_zeros(value.shape) for value, _ in self.params]
        self.second_moments = [value.new_zeros(value.shape) for value, _ in self.params]

    def step(self) -> None:
        self.step_count += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1 ** self.step_count)
        correction2_sqrt = math.sqrt(1 - beta2 ** self.step_count)
        for (value, grad), m, v in zip(self.params, self.first_moments, self.second_moments):
            if self.weight_decay != 0:
                grad = grad + self.weight_decay * value
            m.lerp_(grad, 1 - beta1)
            v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denominator = (v.sqrt() / correction2_sqrt).add_(self.eps)
            value.addcdiv_(m, denominator, value=-step_size)
