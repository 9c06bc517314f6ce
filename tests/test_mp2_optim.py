"""SGD and Adam trajectories against torch.optim, and their argument checks."""

from __future__ import annotations

import pytest
import torch
from mp2_reference import assert_parity

from Miniproject_2.model import SGD, Adam

STEPS = 6


def trajectories(make_ours, make_reference, dtype):
    """Run both optimizers on the same parameters with the same gradient sequence."""
    generator = torch.Generator().manual_seed(0)
    initial = [torch.randn(4, 3, generator=generator, dtype=dtype), torch.randn(5, generator=generator, dtype=dtype)]
    gradients = [[torch.randn(p.shape, generator=generator, dtype=dtype) for p in initial] for _ in range(STEPS)]
    ours_params = [(p.clone(), torch.zeros_like(p)) for p in initial]
    reference_params = [p.clone().requires_grad_() for p in initial]
    ours, reference = make_ours(ours_params), make_reference(reference_params)
    for step_grads in gradients:
        ours.zero_grad()
        for (_, grad), g in zip(ours_params, step_grads):
            grad += g
        torch.set_grad_enabled(False)
        ours.step()
        torch.set_grad_enabled(True)
        for p, g in zip(reference_params, step_grads):
            p.grad = g.clone()
        reference.step()
        for (value, _), expected in zip(ours_params, reference_params):
            assert_parity(value, expected.detach(), "parameter")


SGD_OPTIONS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.05, weight_decay=0.01),
    dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.02),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.02),
]


@pytest.mark.parametrize("options", SGD_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sgd_matches_torch(options, dtype):
    trajectories(lambda params: SGD(params, **options), lambda params: torch.optim.SGD(params, **options), dtype)


ADAM_OPTIONS = [dict(), dict(lr=0.01, betas=(0.8, 0.99)), dict(lr=0.003, eps=1e-6, weight_decay=0.05)]


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "defaults")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_adam_matches_torch(options, dtype):
    trajectories(lambda params: Adam(params, **options), lambda params: torch.optim.Adam(params, foreach=False, **options), dtype)


@pytest.mark.parametrize("make, message", [
    (lambda p: SGD([], lr=0.1), "empty parameter list"),
    (lambda p: SGD(p, lr=-1), "lr"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "Nesterov"),
    (lambda p: SGD([(torch.zeros(2), torch.zeros(3))], lr=0.1), "differ in shape"),
    (lambda p: SGD([torch.zeros(2)], lr=0.1), "pair"),
    (lambda p: Adam(p, betas=(0.9, 1.5)), "betas"),
])
def test_optimizer_arguments_are_checked(make, message):
    with pytest.raises(ValueError, match=message):
        make([(torch.zeros(2), torch.zeros(2))])


def test_zero_grad_clears_gradients():
    grad = torch.ones(3)
    optimizer = SGD([(torch.zeros(3), grad)], lr=0.1)
    optimizer.zero_grad()
    assert grad.abs().sum() == 0
