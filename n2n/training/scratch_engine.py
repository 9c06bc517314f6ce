"""The ``scratch`` training engine of ``n2n train``: Miniproject_2's from-scratch framework (explicit
backward passes, autograd off), training the course network or Miniproject_1's U-Net on fixed noisy pairs.

Same files as the ``torch`` engine, written by the same loop (:func:`n2n.training.fit.fit`): ``--out`` gets the
best weights by validation PSNR, ``OUT.last.pth`` everything ``--resume`` needs (weights, optimizer moments,
epoch, history), and ``OUT.csv`` the per-epoch log. Checkpoints are Miniproject_2's plain-data pickles
(``others/serialization.py``) with the ``arch`` dict of ``n2n.training.scratch_models``; their ``meta`` holds
``schema`` (:data:`n2n.training.spec.SCHEMA_VERSION`); all writes are atomic.

The batches and learning rates are those of ``Miniproject_2.others.training.fit`` over ``--epochs``
epochs (a ``TrainingRun``); a resumed run replays the schedule up to its epoch, so it continues
exactly where the interrupted one stopped. Products run in float32 unless ``N2N_PRECISION=bfloat16`` asks for
the framework's mixed precision (``Miniproject_2.others.precision``; it pays only on a CPU with native bfloat16).
"""

from __future__ import annotations

from pathlib import Path

import torch

from Miniproject_2.model import DEFAULT_CONFIG, default_device
from Miniproject_2.others.serialization import load_checkpoint, save_checkpoint
from Miniproject_2.others.training import TrainConfig, TrainingRun, framework_step, learning_rate, make_optimizer, predict_batches
from n2n.precision import requested_bfloat16
from n2n.training.distributed import Distributed
from n2n.training.fit import FitState, companion_paths
from n2n.training.scratch_models import build_network, multiple_of, parse_arch
from n2n.training.scratch_optimizer_state import load_optimizer_state, optimizer_state
from n2n.training.sources import PairSource, load_pairs
from n2n.training.spec import SCHEMA_VERSION, TrainSpec
from n2n.training.supports import COMMON_OPTIONS, EngineSupport, SourceSupport
from n2n.training.torch_engine import MULTI_EPOCH_LR

DTYPE = torch.float32
# The U-Net's defaults are the torch engine's for the same network (batch 32, 1e-3): the course
# network's 4e-3 is far above the rate at which Miniproject_1's U-Net already diverged (2e-3).
UNET_DEFAULT_CONFIG = TrainConfig(batch_size=32, optimizer="adam", lr=MULTI_EPOCH_LR)
RESUMABLE_KEYS = ("epoch", "best_psnr", "history", "config", "optimizer")


class ScratchTrainer:
    """The loop's :class:`~n2n.training.fit.Trainer` for a framework network (autograd off throughout)."""

    def __init__(self, network, optimizer, run: TrainingRun, pairs: tuple, arch: dict, config: TrainConfig) -> None:
        self.network, self.optimizer, self.run, self.pairs, self.arch, self.config = network, optimizer, run, pairs, arch, config
        self.device, self.multiple = default_device(), multiple_of(arch)
        self.step = framework_step(network, optimizer, requested_bfloat16())
        self.peak_lr = config.lr

    def steps_per_epoch(self) -> int:
        return self.run.steps_per_epoch

    def learning_rate(self) -> float:
        return learning_rate(self.config, self.run.step, self.run.total_steps)

    def train_epoch(self, epoch: int, on_step) -> float:
        with torch.no_grad():
            self.network.train()
            return self.run.epoch(self.step, *self.pairs, self.device, DTYPE, self.multiple, lambda _, loss: on_step(loss))

    def denoise(self, images: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return predict_batches(self.network, images, self.device, DTYPE, self.multiple)

    def weights(self) -> dict:
        return self.network.state_dict()

    def write_best(self, path: Path, weights: dict, record: dict) -> None:
        scores = {key: value for key, value in record.items() if key not in ("epoch", "loss", "lr", "seconds")}
        meta = {"engine": "scratch", "epoch": record["epoch"], **scores, "config": self.config.as_dict(),
                "schema": SCHEMA_VERSION}
        save_checkpoint(path, weights, self.arch, meta, overwrite=True)

    def write_epoch(self, path: Path, weights: dict) -> None:
        raise ValueError("--keep-epochs runs on the torch engine")  # refused before training by its declaration

    def write_last(self, path: Path, weights: dict, state: FitState) -> None:
        meta = {"engine": "scratch", "epoch": state.epoch, "best_psnr": -float("inf") if state.best is None else state.best,
                "history": state.history, "config": self.config.as_dict(), "optimizer": optimizer_state(self.optimizer),
                "schema": SCHEMA_VERSION}
        save_checkpoint(path, weights, self.arch, meta, overwrite=True)


class ScratchEngine:
    """Miniproject_2's framework: Noise2Noise on fixed pairs (a file or folders), one process."""

    supports = EngineSupport("scratch", (PairSource.supports,), COMMON_OPTIONS, distributed=False)

    def read_checkpoint(self, path: Path) -> dict:
        """``OUT.last.pth`` as one dict: ``model`` (weights), ``arch`` and the ``meta`` keys (fixed pairs: no ``stream``,
        no ``val_photos``); clear errors when it cannot be resumed from (Miniproject_2's restricted unpickler)."""
        state, arch, meta = load_checkpoint(path)
        missing = [key for key in RESUMABLE_KEYS if key not in meta]
        if missing:
            raise ValueError(f"{path} is not a resumable scratch-engine checkpoint (meta lacks {missing})")
        return {**meta, "stream": None, "val_photos": False, "model": state, "arch": arch}  # no data source recorded

    def trainer(self, spec: TrainSpec, source: SourceSupport, resumed: dict | None, ddp: Distributed) -> ScratchTrainer:
        last_path = companion_paths(spec.output.out)[0]
        if resumed is not None:
            arch, config = resumed["arch"], TrainConfig(**resumed["config"])
            if spec.engine.arch is not None and parse_arch(spec.engine.arch) != {"kind": "course", **arch}:
                raise ValueError(f"{last_path} was trained with another network than --arch {spec.engine.arch}; resume "
                                 "it with its own (or leave the option out)")
        else:
            arch = parse_arch(spec.engine.arch)
            default = DEFAULT_CONFIG if arch["kind"] == "course" else UNET_DEFAULT_CONFIG
            schedule = spec.schedule
            config = TrainConfig(batch_size=schedule.batch_size or default.batch_size, optimizer=default.optimizer,
                                 lr=schedule.lr or default.lr, augment=not schedule.no_augment, seed=schedule.seed_or_default)
        pairs = load_pairs(spec, multiple_of(arch))
        with torch.no_grad():
            torch.manual_seed(config.seed)
            network = build_network(arch, default_device(), DTYPE)
            optimizer = make_optimizer(network, config)
            run = TrainingRun(len(pairs[0]), spec.schedule.epochs, config)
            if resumed is not None:
                network.load_state_dict(resumed["model"])
                load_optimizer_state(optimizer, resumed["optimizer"], last_path)
                run.skip(int(resumed["epoch"]))
        return ScratchTrainer(network, optimizer, run, pairs, arch, config)


ENGINE = ScratchEngine()
