"""Self-distillation targets: a teacher network's 8-symmetry self-ensemble (``n2n train --photos --teacher``).

``n2n denoise --ensemble`` averages a network over the 8 flips and quarter turns of the square and
gains about 0.3 dB on whole photos at 8 times the cost (docs/methods/shipped-model.md, whole-photo table). Training a
student on that average, computed on the student's own noisy input, asks the single network to
compute what the ensemble computes, at the cost of one pass. No clean image is used: the teacher sees
only the noisy input copy, and the teacher itself was trained Noise2Noise.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from n2n.fileio import file_sha256
from n2n.inference.ensemble import SYMMETRIES, transform, untransform


def ensemble_targets(teacher: nn.Module, inputs: torch.Tensor, symmetries: int = len(SYMMETRIES),
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """The mean of ``teacher`` over the symmetries of the square on ``inputs`` ``(N, C, S, S)`` (square crops,
    any scale the teacher takes). Returns float32 ``(N, C, S, S)``, without gradient.

    ``symmetries`` below 8 averages, for each crop, that many distinct symmetries drawn at random with
    ``generator``: an unbiased estimate of the full mean at a fraction of its cost, and since the loss is
    squared error, its gradient is the full mean's in expectation (the draw adds only variance, far less
    than a noisy Noise2Noise target's). The ``N * symmetries`` transformed crops go through the teacher
    as one batch."""
    if inputs.dim() != 4 or inputs.shape[-1] != inputs.shape[-2]:
        raise ValueError(f"ensemble targets need square crops (N, C, S, S), got shape {tuple(inputs.shape)}")
    if not 1 <= symmetries <= len(SYMMETRIES):
        raise ValueError(f"symmetries must be between 1 and {len(SYMMETRIES)}, got {symmetries}")
    count = inputs.shape[0]
    if symmetries == len(SYMMETRIES):
        picks = [list(range(len(SYMMETRIES)))] * count
    else:
        picks = [torch.randperm(len(SYMMETRIES), generator=generator)[:symmetries].tolist() for _ in range(count)]
    order = [(i, picks[i][j]) for j in range(symmetries) for i in range(count)]  # (crop, symmetry) per teacher input
    with torch.inference_mode():
        stacked = torch.stack([transform(inputs[i], *SYMMETRIES[s]) for i, s in order])
        outputs = teacher(stacked.contiguous(memory_format=torch.channels_last)).float()
        total = torch.zeros(inputs.shape, dtype=torch.float32, device=inputs.device)
        for output, (i, s) in zip(outputs, order):
            total[i] += untransform(output, *SYMMETRIES[s])
    return (total / symmetries).clone()  # a normal tensor, usable by autograd as a constant


def load_teacher(path: str | Path, expected_sha256: str | None = None, device: torch.device | None = None) -> nn.Module:
    """The Miniproject_1 network stored at ``path``, in eval mode, channels-last, on ``device``.

    ``expected_sha256`` (a resumed run's record): ``ValueError`` if the file changed since the run started."""
    from Miniproject_1.others.checkpoint import load_network

    if expected_sha256 is not None and Path(path).is_file() and file_sha256(path) != expected_sha256:
        raise ValueError(f"--teacher {path} changed since this run started (SHA-256 differs); restore that file "
                         "or start a new run with --force")
    teacher = load_network(path).to(device or torch.device("cpu"), memory_format=torch.channels_last)
    teacher.eval()
    for parameter in teacher.parameters():
        parameter.requires_grad_(False)
    return teacher
