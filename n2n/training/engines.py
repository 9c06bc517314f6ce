"""Training engines of ``n2n train``: name -> the module attribute holding the engine.

An engine declares what it supports (``supports``: an :class:`n2n.training.supports.EngineSupport` listing its
data sources and options), reads its own resumable checkpoints (``read_checkpoint(path) -> dict``) and builds the
:class:`n2n.training.fit.Trainer` that the one loop drives (``trainer(spec, source, resumed, ddp)``).
``torch`` is Miniproject_1 (PyTorch, optionally DistributedDataParallel under ``torchrun``), ``scratch``
Miniproject_2's framework. Modules are imported when an engine is first needed.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

from n2n.training.distributed import Distributed
from n2n.training.fit import Trainer
from n2n.training.spec import TrainSpec
from n2n.training.supports import EngineSupport, SourceSupport

ENGINES = {
    "torch": "n2n.training.torch_engine:ENGINE",
    "scratch": "n2n.training.scratch_engine:ENGINE",
}


class Engine(Protocol):
    supports: EngineSupport

    def read_checkpoint(self, path: Path) -> dict: ...

    def trainer(self, spec: TrainSpec, source: SourceSupport, resumed: dict | None, ddp: Distributed) -> Trainer: ...


def load_engine(name: str) -> Engine:
    """The engine registered as ``name``; ``ValueError`` naming the known ones if unknown."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; known: {', '.join(sorted(ENGINES))}")
    module, attribute = ENGINES[name].split(":")
    return getattr(importlib.import_module(module), attribute)
