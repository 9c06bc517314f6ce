"""The ``torch`` training engine of ``n2n train``: Miniproject_1's U-Net and optimiser step in PyTorch, with
its data sources (fixed pairs, photo streams, single noisy images) and its checkpoint format; optionally
DistributedDataParallel under ``torchrun`` (:mod:`.distributed`). The loop is :func:`n2n.training.fit.fit`.

Checkpoints (all written atomically, loadable with ``weights_only=True``):

- ``OUT`` and ``OUT.epochNNN.pth`` (``--keep-epochs``): plain U-Net state_dicts;
- ``OUT.last.pth``: ``model``, ``optimizer``, ``scheduler`` (state_dicts), ``epoch``, ``best_psnr``,
  ``history`` (the CSV's records), ``arch`` (U-Net arguments), ``config`` (Miniproject_1's ``TrainConfig``),
  ``stream`` (the data source's settings, ``None`` for fixed pairs), ``val_photos`` and ``schema``
  (:data:`n2n.training.spec.SCHEMA_VERSION`; older files have none, :mod:`.migration` reads them).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import torch
from torch.nn.parallel import DistributedDataParallel

from Miniproject_1.model import DEFAULT_ARCH
from Miniproject_1.others.checkpoint import load_state_dict
from Miniproject_1.others.inference import denoise
from Miniproject_1.others.training import TrainConfig, make_scheduler
from Miniproject_1.others.unet import UNet, arch_from_state_dict
from Miniproject_1.others.widen import widen_state_dict
from n2n.fileio import atomic_torch_save
from n2n.training.distributed import Distributed
from n2n.training.fit import FitState, companion_paths
from n2n.training.learner import Learner
from n2n.training.single_source import SingleSource
from n2n.training.sources import PairSource, StreamSource
from n2n.training.spec import SCHEMA_VERSION, TrainSpec
from n2n.training.start import FINE_TUNE_LR, FINE_TUNE_PAIR_LOSS, fine_tunes
from n2n.training.supports import COMMON_OPTIONS, EngineSupport, SourceSupport

# Default peak rate of `n2n train` from scratch: Model.train's 2e-3 suits its one-epoch schedule, but held over
# a 10-epoch schedule it diverged (n2n/divergence.py); the shipped 10-epoch model used 1e-3. From trained
# weights the default is n2n.training.start.FINE_TUNE_LR.
MULTI_EPOCH_LR = 1e-3
SOURCES = (PairSource, StreamSource, SingleSource)  # the first for a kind of data is its default


def parse_arch(text: str | None) -> dict:
    """``"WIDTHxDEPTH"`` (e.g. ``"32x2"``) -> UNet keyword arguments; ``None`` -> the shipped architecture."""
    if text is None:
        return dict(DEFAULT_ARCH)
    match = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not match:
        raise ValueError(f"--arch for the torch engine must look like WIDTHxDEPTH (e.g. 32x2), got {text!r}")
    return {"width": int(match[1]), "depth": int(match[2])}


def initial_weights(spec: TrainSpec) -> tuple[dict | None, dict | None]:
    """``(state_dict, arch)`` of ``--init`` (``(None, None)`` without it), widened by ``--widen`` if given."""
    engine = spec.engine
    if engine.init is None:
        return None, None
    state = load_state_dict(engine.init)
    if engine.widen is not None:
        state = widen_state_dict(state, list(engine.widen), torch.Generator().manual_seed(spec.schedule.seed_or_default))
    arch = arch_from_state_dict(state)
    if engine.arch is not None:
        asked = parse_arch(engine.arch)
        if (asked["width"], asked["depth"]) != (arch["width"], arch["depth"]):
            raise ValueError(f"--arch {engine.arch} does not match --init {engine.init} "
                             f"({arch['width']}x{arch['depth']}); drop --arch")
    return state, arch


def check_resumed_arch(spec: TrainSpec, arch: dict, path: Path) -> None:
    """A resumed run keeps its network: ``--arch``, if given, must name it."""
    if spec.engine.arch is not None:
        asked = parse_arch(spec.engine.arch)
        if (asked["width"], asked["depth"]) != (arch["width"], arch["depth"]):
            raise ValueError(f"{path} was trained with --arch {arch['width']}x{arch['depth']}; resume it with that "
                             "(or leave the option out)")


class TorchTrainer:
    """The loop's :class:`~n2n.training.fit.Trainer` for the U-Net: steps from the data source, files in this
    engine's format (module docstring)."""

    def __init__(self, learner: Learner, source, config: TrainConfig, arch: dict, ddp: Distributed,
                 val_photos: bool) -> None:
        self.learner, self.source, self.config, self.arch, self.ddp = learner, source, config, arch, ddp
        self.network = learner.network.module if isinstance(learner.network, DistributedDataParallel) else learner.network
        self.val_photos = val_photos
        self.peak_lr = config.lr

    def steps_per_epoch(self) -> int:
        return self.source.steps(self.ddp.world_size)

    def learning_rate(self) -> float:
        return self.learner.optimizer.param_groups[0]["lr"]

    def train_epoch(self, epoch: int, on_step) -> float:
        return self.source.epoch(self.learner, epoch, self.ddp.placement, on_step)

    def denoise(self, images: torch.Tensor) -> torch.Tensor:
        placement = self.ddp.placement
        return denoise(self.network, images, placement.device, self.network.multiple, placement.bfloat16)

    def weights(self) -> dict:
        return {key: value.detach().cpu() for key, value in self.network.state_dict().items()}

    def write_best(self, path: Path, weights: dict, record: dict) -> None:
        atomic_torch_save(weights, path, overwrite=True)

    def write_epoch(self, path: Path, weights: dict) -> None:
        atomic_torch_save(weights, path, overwrite=True)

    def write_last(self, path: Path, weights: dict, state: FitState) -> None:
        atomic_torch_save({
            "model": weights, "optimizer": self.learner.optimizer.state_dict(),
            "scheduler": self.learner.scheduler.state_dict(), "epoch": state.epoch,
            "best_psnr": -float("inf") if state.best is None else state.best, "history": state.history,
            "arch": self.arch, "config": asdict(self.config), "stream": self.source.settings,
            "val_photos": bool(self.val_photos), "schema": SCHEMA_VERSION,
        }, path, overwrite=True)


class TorchEngine:
    """Miniproject_1's U-Net in PyTorch: every data source and method, ``--init``/``--widen``, ``--keep-epochs``,
    ``--val-photos``, DistributedDataParallel."""

    supports = EngineSupport("torch", tuple(source.supports for source in SOURCES),
                             COMMON_OPTIONS | {"--init", "--widen", "--keep-epochs", "--val-photos"}, distributed=True)

    def read_checkpoint(self, path: Path) -> dict:
        """The resumable state at ``path`` (tensors and plain data only)."""
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # torch raises many types (pickle, zip, runtime) for a damaged file
            raise ValueError(f"{path} is corrupt or not a checkpoint of the torch engine ({error.__class__.__name__}); "
                             "start over with --force") from None

    def trainer(self, spec: TrainSpec, source: SourceSupport, resumed: dict | None, ddp: Distributed) -> TorchTrainer:
        """The network, optimiser, schedule and data source of ``spec`` (continuing ``resumed``, if given)."""
        init_state, init_arch = initial_weights(spec)
        schedule, fine = spec.schedule, fine_tunes(spec)
        config = TrainConfig(batch_size=schedule.batch_size or TrainConfig.batch_size,
                             lr=schedule.lr or (FINE_TUNE_LR if fine else MULTI_EPOCH_LR), augment=not schedule.no_augment,
                             seed=schedule.seed_or_default,
                             loss=FINE_TUNE_PAIR_LOSS if fine and source is PairSource.supports else "mse")
        arch = init_arch or parse_arch(spec.engine.arch)
        if resumed is not None:
            config, arch = TrainConfig(**resumed["config"]), resumed["arch"]
            check_resumed_arch(spec, arch, companion_paths(spec.output.out)[0])
        data = next(kind for kind in SOURCES if kind.supports is source).from_spec(spec, arch, config)
        torch.manual_seed(config.seed)
        network = UNet(**arch).to(ddp.device, memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
        total_steps = spec.schedule.epochs * data.steps(ddp.world_size)
        data.plan(total_steps)
        scheduler = make_scheduler(optimizer, total_steps, config)
        if init_state is not None:
            network.load_state_dict(init_state)
        if resumed is not None:
            network.load_state_dict(resumed["model"])
            optimizer.load_state_dict(resumed["optimizer"])
            scheduler.load_state_dict(resumed["scheduler"])
        trained = DistributedDataParallel(network) if ddp.world_size > 1 else network
        return TorchTrainer(Learner(trained, optimizer, scheduler), data, config, arch, ddp, spec.output.val_photos)


ENGINE = TorchEngine()
