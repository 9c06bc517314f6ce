"""What ``n2n train`` is asked to do, as typed data: a :class:`TrainSpec`.

A spec has six parts: the data to train on (:class:`DataSpec`), the noise synthesised on photos
(:class:`NoiseSpec`), the method (:class:`MethodSpec`: Noise2Noise, Noise2Clean, single-image or
self-distillation), the schedule (:class:`ScheduleSpec`), the engine and network (:class:`EngineSpec`) and the
output (:class:`OutputSpec`). Every field that a command-line option sets names that option in its metadata
(:func:`option_fields`), so that errors can name what the user typed. ``None`` means "not given": the engine,
the data source or the network supplies the default, and a resumed run takes the value it was started with.

Built in two places only: :meth:`TrainSpec.from_args` (the one reader of the parsed command line,
:mod:`.spec_args`) and :meth:`TrainSpec.from_checkpoint` (the one reader of what a checkpoint recorded,
:mod:`.migration`, which migrates older checkpoints). :mod:`.supports` checks a spec against what the engine
and the data source support.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Iterator

# Version of the settings a checkpoint records. 1: checkpoints written before the TrainSpec (no "schema" key);
# 2: the same layout with "schema": 2; 3: the torch engine's config also records its loss, and runs from trained
# weights start their history with the starting weights' scores (epoch 0); 4: --photos runs with JPEG noise record
# their JPEG targets (see n2n.training.migration).
SCHEMA_VERSION = 4

NOISE2NOISE, NOISE2CLEAN, SINGLE_IMAGE, DISTILLATION = "noise2noise", "noise2clean", "single", "distillation"
METHODS = (NOISE2NOISE, NOISE2CLEAN, SINGLE_IMAGE, DISTILLATION)
METHOD_NAMES = {NOISE2NOISE: "Noise2Noise", NOISE2CLEAN: "Noise2Clean", SINGLE_IMAGE: "single-image (Neighbor2Neighbor)",
                DISTILLATION: "self-distillation"}

# Kinds of data, and the option that names each.
PAIRS, FOLDERS, PHOTOS, IMAGES = "pairs", "folders", "photos", "images"
DATA_FLAGS = {PAIRS: "--data", FOLDERS: "--noisy-a", PHOTOS: "--photos", IMAGES: "--single"}


def option(flag: str, default: Any = None) -> Any:
    """A spec field set by the command-line option ``flag``."""
    return field(default=default, metadata={"flag": flag})


@dataclass(frozen=True)
class DataSpec:
    """What to train on: one of a pairs file, two folders of noisy copies, clean photos (noise synthesised per
    batch) or a folder of single noisy photos; and how crops are cut from it."""

    pairs: Path | None = option("--data")
    noisy_a: Path | None = option("--noisy-a")
    noisy_b: Path | None = option("--noisy-b")
    photos: str | None = option("--photos")  # a folder, or "default": the default pool's training photos
    single: Path | None = option("--single")
    from_pairs: bool = option("--single-from-pairs", False)
    crops: int | None = option("--crops")
    crop_size: int | None = option("--crop-size")
    limit: int | None = option("--limit")
    steps_per_epoch: int | None = option("--steps-per-epoch")
    photo_scales: tuple[int, ...] | None = option("--photo-scales")

    @property
    def kind(self) -> str | None:
        """:data:`PAIRS`, :data:`FOLDERS`, :data:`PHOTOS` or :data:`IMAGES`; ``None`` when no data is named
        (a checkpoint of a run on fixed pairs does not record their files)."""
        if self.pairs is not None:
            return PAIRS
        if self.noisy_a is not None:
            return FOLDERS
        if self.photos is not None:
            return PHOTOS
        return IMAGES if self.single is not None else None


@dataclass(frozen=True)
class NoiseSpec:
    """The noise synthesised on ``--photos`` crops, and what is done to the crops before it."""

    noise: str | None = option("--noise")
    gray_fraction: float | None = option("--gray-fraction")
    same_noise_fraction: float | None = option("--same-noise-fraction")
    tone_fraction: float | None = option("--tone-fraction")
    tone_gain_max: float | None = option("--tone-gain-max")
    jpeg_targets: str | None = option("--jpeg-targets")


@dataclass(frozen=True)
class MethodSpec:
    """How targets are made and the loss: ``target`` (noisy, clean or single, with ``--photos``), the loss weighting
    of Noise2Noise/Noise2Clean, the single-image loss's settings, and self-distillation's teacher."""

    target: str | None = option("--target")
    loss: str | None = option("--loss")
    single_loss: str | None = option("--single-loss")
    single_gamma: float | None = option("--single-gamma")
    single_targets: str | None = option("--single-targets")
    teacher: Path | None = option("--teacher")
    teacher_symmetries: int | None = option("--teacher-symmetries")
    teacher_sha256: str | None = None  # recorded by a run, so that a resumed one distils the same network
    single_ramp: bool = True  # the single-image regulariser ramps up from 0 over the run (every n2n train run so far)


@dataclass(frozen=True)
class ScheduleSpec:
    """How long and how fast: ``batch_size`` and ``lr`` ``None`` take the engine's defaults."""

    epochs: int = option("--epochs", 10)
    batch_size: int | None = option("--batch-size")
    lr: float | None = option("--lr")
    seed: int | None = option("--seed")
    no_augment: bool = option("--no-augment", False)

    @property
    def seed_or_default(self) -> int:
        return 0 if self.seed is None else self.seed


@dataclass(frozen=True)
class EngineSpec:
    """Which engine trains which network: ``arch`` in the engine's words, or the weights of ``init`` (grown to
    ``widen``'s per-level widths); ``from_scratch``: not the shipped weights, which users' noisy data
    (``--noisy-a``, ``--single``) starts from otherwise (:mod:`n2n.training.start`)."""

    name: str = option("--engine", "torch")
    arch: str | None = option("--arch")
    init: Path | None = option("--init")
    from_scratch: bool = option("--from-scratch", False)
    widen: tuple[int, ...] | None = option("--widen")
    threads: int | None = option("--threads")


@dataclass(frozen=True)
class OutputSpec:
    """Where the weights go (``out``, with ``OUT.last.pth`` and ``OUT.csv`` beside it), what scores each epoch,
    and whether to continue or replace an earlier run."""

    out: Path | None = option("--out")
    val: Path | None = option("--val")
    val_photos: bool = option("--val-photos", False)
    keep_epochs: bool = option("--keep-epochs", False)
    resume: bool = option("--resume", False)
    force: bool = option("--force", False)


PARTS = ("data", "noise", "method", "schedule", "engine", "output")


@dataclass(frozen=True)
class TrainSpec:
    """Everything ``n2n train`` needs to know (module docstring)."""

    data: DataSpec = field(default_factory=DataSpec)
    noise: NoiseSpec = field(default_factory=NoiseSpec)
    method: MethodSpec = field(default_factory=MethodSpec)
    schedule: ScheduleSpec = field(default_factory=ScheduleSpec)
    engine: EngineSpec = field(default_factory=EngineSpec)
    output: OutputSpec = field(default_factory=OutputSpec)
    version: int = SCHEMA_VERSION

    @classmethod
    def from_args(cls, args) -> TrainSpec:
        """The spec of a parsed ``n2n train`` command line (:func:`n2n.training.spec_args.from_args`)."""
        from n2n.training.spec_args import from_args

        return from_args(args)

    @classmethod
    def from_checkpoint(cls, state: dict, engine: str, path: Path | str = "checkpoint") -> TrainSpec:
        """What the resumable checkpoint ``state`` of ``engine`` recorded, migrated to :data:`SCHEMA_VERSION`
        (:func:`n2n.training.migration.from_checkpoint`)."""
        from n2n.training.migration import from_checkpoint

        return from_checkpoint(state, engine, path)

    @property
    def method_kind(self) -> str:
        """One of :data:`METHODS`, from ``--teacher``, the single-image options and ``--target``."""
        if self.method.teacher is not None:
            return DISTILLATION
        if self.data.single is not None or self.data.from_pairs or self.method.target == SINGLE_IMAGE:
            return SINGLE_IMAGE
        return NOISE2CLEAN if self.method.target == "clean" else NOISE2NOISE

    @property
    def method_flag(self) -> str:
        """The option that chose :attr:`method_kind`, as typed (e.g. ``--target clean``)."""
        kind = self.method_kind
        if kind == DISTILLATION:
            return "--teacher"
        if kind == SINGLE_IMAGE:
            return "--single" if self.data.single is not None else \
                "--single-from-pairs" if self.data.from_pairs else "--target single"
        return f"--target {self.method.target}" if self.method.target is not None else "Noise2Noise training"


def option_fields(spec: TrainSpec) -> Iterator[tuple[str, str, str, Any]]:
    """``(part, name, flag, value)`` for every field of ``spec`` that a command-line option sets."""
    for part in PARTS:
        section = getattr(spec, part)
        for item in fields(section):
            if "flag" in item.metadata:
                yield part, item.name, item.metadata["flag"], getattr(section, item.name)


def given_options(spec: TrainSpec) -> dict[str, Any]:
    """Flag -> value of every option ``spec`` sets away from its default (``None``/``False``/the field default)."""
    given = {}
    for part, name, flag, value in option_fields(spec):
        default = next(item.default for item in fields(getattr(spec, part)) if item.name == name)
        if value is not None and value is not False and value != default:
            given[flag] = value
    return given


def shown(value: Any) -> str:
    """An option's value as a user would type it."""
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, (tuple, list)):
        return " ".join(shown(item) for item in value)
    if value is True:
        return ""
    return str(value)
