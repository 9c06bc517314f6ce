"""Helpers for comparing framework blocks with torch.nn / autograd (the reference)."""

from __future__ import annotations

import torch

TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}


def assert_parity(ours: torch.Tensor, reference: torch.Tensor, what: str, terms: float = 0.0) -> None:
    """Relative error (max abs difference over the reference's largest magnitude) within tolerance.

    ``terms``: the largest magnitude of the values summed into ``reference``, when it is a sum (a gradient
    sums grad_output-weighted terms). Rounding scales with the terms, not with a sum they cancel in: a float32
    bias gradient of 0.5 summed from terms near 3 carries the rounding of the 3s."""
    assert ours.shape == reference.shape, f"{what}: shape {tuple(ours.shape)} vs {tuple(reference.shape)}"
    assert ours.dtype == reference.dtype, f"{what}: dtype {ours.dtype} vs {reference.dtype}"
    scale = max(reference.abs().max().item() if reference.numel() else 0.0, terms)
    error = (ours - reference).abs().max().item() if reference.numel() else 0.0
    assert error <= TOLERANCE[reference.dtype] * max(scale, 1e-3), f"{what}: relative error {error / max(scale, 1e-3):.3e}"


def run_reference(reference: torch.nn.Module, x: torch.Tensor, grad_output_seed: int = 0):
    """Forward and backward through ``reference`` with autograd on.

    Returns ``(output, grad_output, grad_input, {name: grad})``."""
    with torch.enable_grad():
        x = x.detach().clone().requires_grad_(True)
        output = reference(x)
        generator = torch.Generator().manual_seed(grad_output_seed)
        grad_output = torch.randn(output.shape, generator=generator, dtype=output.dtype)
        output.backward(grad_output)
    grads = {name: p.grad.detach().clone() for name, p in reference.named_parameters()}
    return output.detach(), grad_output, x.grad.detach(), grads


def check_block(ours, reference: torch.nn.Module, x: torch.Tensor, parameter_names: dict[str, str]) -> None:
    """Compare forward output, input gradient and parameter gradients of ``ours`` with ``reference``.

    ``parameter_names`` maps our dotted parameter names to the reference's."""
    output, grad_output, grad_input, grads = run_reference(reference, x)
    ours.zero_grad()
    ours_output = ours(x)
    assert_parity(ours_output, output, "forward")
    assert_parity(ours.backward(grad_output), grad_input, "grad input")
    ours_grads = {name: grad for name, _, grad in ours.named_parameters()}
    assert set(ours_grads) == set(parameter_names), f"parameters {sorted(ours_grads)} vs {sorted(parameter_names)}"
    for name, reference_name in parameter_names.items():
        assert_parity(ours_grads[name], grads[reference_name], f"grad {name}", terms=grad_output.abs().max().item())


def copy_parameters(ours, reference: torch.nn.Module, parameter_names: dict[str, str]) -> None:
    """Give ``reference`` our parameter values."""
    ours_values = {name: value for name, value, _ in ours.named_parameters()}
    reference_values = dict(reference.named_parameters())
    with torch.no_grad():
        for name, reference_name in parameter_names.items():
            reference_values[reference_name].copy_(ours_values[name])
