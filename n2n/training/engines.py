"""Training engines for ``n2n train``: name -> ``"module:function"`` taking the parsed arguments.

``torch`` is Miniproject_1 (PyTorch, optionally DistributedDataParallel under ``torchrun``).
Miniproject_2 adds ``scratch`` here. Modules are imported only when their engine is chosen.
"""

from __future__ import annotations

import argparse
import importlib

ENGINES = {
    "torch": "n2n.training.torch_engine:run",
    "scratch": "n2n.training.scratch_engine:run",
}


def run_training(args: argparse.Namespace) -> int:
    """Dispatch ``args`` to the engine named by ``args.engine``."""
    if args.epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.engine not in ENGINES:
        raise ValueError(f"unknown engine {args.engine!r}; known: {', '.join(sorted(ENGINES))}")
    module, function = ENGINES[args.engine].split(":")
    return int(getattr(importlib.import_module(module), function)(args) or 0)
