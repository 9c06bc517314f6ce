"""Training engines for ``n2n train``: name -> ``"module:function"`` taking the parsed arguments.

``torch`` is Miniproject_1 (PyTorch, optionally DistributedDataParallel under ``torchrun``).
Miniproject_2 adds ``scratch`` here. Modules are imported only when their engine is chosen.
"""

from __future__ import annotations

import argparse
import glob
import importlib
from pathlib import Path

from n2n.fileio import check_not_input

ENGINES = {
    "torch": "n2n.training.torch_engine:run",
    "scratch": "n2n.training.scratch_engine:run",
}


def companion_paths(out: Path) -> tuple[Path, Path]:
    """The resumable checkpoint and CSV log written next to ``out``."""
    return out.with_name(out.stem + ".last.pth"), out.with_suffix(".csv")


def epoch_weights_path(out: Path, epoch: int) -> Path:
    """Where ``--keep-epochs`` writes the weights after ``epoch`` (1-based): ``OUT.epoch007.pth`` next to ``out``."""
    return out.with_name(f"{out.stem}.epoch{epoch:03d}.pth")


def kept_epoch_weights(out: Path) -> list[Path]:
    """The files :func:`epoch_weights_path` names for ``out`` that exist now, in epoch order."""
    return sorted(out.parent.glob(f"{glob.escape(out.stem)}.epoch[0-9][0-9][0-9]*.pth"))


def run_training(args: argparse.Namespace) -> int:
    """Dispatch ``args`` to the engine named by ``args.engine``."""
    if args.epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
    inputs = [getattr(args, name, None) for name in ("data", "val", "noisy_a", "noisy_b")]
    for output in (args.out, *companion_paths(args.out)):
        check_not_input(output, inputs)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.engine not in ENGINES:
        raise ValueError(f"unknown engine {args.engine!r}; known: {', '.join(sorted(ENGINES))}")
    module, function = ENGINES[args.engine].split(":")
    return int(getattr(importlib.import_module(module), function)(args) or 0)
