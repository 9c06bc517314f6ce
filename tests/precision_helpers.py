"""Tolerances for comparing Miniproject_1 U-Net outputs across precisions (``N2N_PRECISION``, see the ``precision``
fixture in conftest.py).

On a CPU with native bfloat16 (AVX-512 BF16, AMX) or a CUDA device, ``predict`` and the training steps run the
network under bfloat16 autocast; elsewhere in float32. A test that compares an output with a float32 reference
takes its tolerance from :func:`prediction_atol`, so it holds under either precision.
"""

from __future__ import annotations

import torch
from torch import nn

FLOAT32_ATOL = 1e-3  # 0-255 scale: float32 differs from float32 only by summation order
BFLOAT16_ROUNDOFF = 2.0**-8  # bfloat16 keeps 8 significant bits: one rounding moves a value by at most 2^-8 of it


def bfloat16_error_bound(network: nn.Module, residual: torch.Tensor) -> float:
    """How far (0-255 scale) the U-Net's output under bfloat16 autocast may lie from its float32 output.

    ``residual``: the float32 reference's ``output - input`` (0-255 scale). Autocast rounds the input and the
    weights of every convolution to bfloat16 (2 roundings each, at most 2^-8 relative each) and the last
    convolution's output (1 more); the longest path through the U-Net passes all L of its convolutions, and to
    first order the relative errors add along it: 2 L + 1 roundings. They scale the residual, the one part the
    network computes in bfloat16 (the skip connection adds the float32 input back unrounded). So the bound is
    (2 L + 1) 2^-8 max|residual|. Measured: 1.3 to 2 x 2^-8 max|residual| for random 8-wide U-Nets of depth 2
    and 3 (L = 10, 13), an order of magnitude inside it; wrong or missing weights would be off by about
    max|residual| itself, an order of magnitude outside it.
    """
    convolutions = sum(isinstance(module, nn.Conv2d) for module in network.modules())
    return (2 * convolutions + 1) * BFLOAT16_ROUNDOFF * float(residual.abs().max())


def prediction_atol(precision: str, network: nn.Module, reference: torch.Tensor, images: torch.Tensor,
                    computations: int = 1) -> float:
    """``atol`` for an output of ``network`` on ``images (N, C, H, W)`` (0-255) against ``reference``, its float32
    output (or, with ``computations=2``, against a second output in the same precision: each may lie
    :func:`bfloat16_error_bound` from the float32 one)."""
    if precision == "float32":
        return FLOAT32_ATOL
    return FLOAT32_ATOL + computations * bfloat16_error_bound(network, reference.float() - images.float())
