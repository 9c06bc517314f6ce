"""What engines and data sources support, and the one check of a :class:`~n2n.training.spec.TrainSpec` against it.

Each data source declares a :class:`SourceSupport` (the methods it trains, and for each kind of data it takes,
the options it reads); each engine an :class:`EngineSupport` (its data sources and the options it reads
itself). :func:`check_spec` accepts a spec only if every option given is read by the engine or by the data
source that will run, and its values fit together; otherwise a ``ValueError`` in one line names each option
and why (the CLI prints it and exits with code 2). Nothing is silently ignored.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from n2n.training.spec import DATA_FLAGS, IMAGES, NOISE2NOISE, PHOTOS, SINGLE_IMAGE, TrainSpec, given_options

# Options every engine reads (what to write, how long, how fast, which network).
COMMON_OPTIONS = frozenset({"--epochs", "--batch-size", "--lr", "--seed", "--no-augment", "--engine", "--arch",
                            "--threads", "--out", "--val", "--resume", "--force"})
DATA_OPTIONS = frozenset(DATA_FLAGS.values())


@dataclass(frozen=True)
class SourceSupport:
    """A data source's declaration: ``methods`` it trains (:data:`n2n.training.spec.METHODS`), and ``options``:
    kind of data it takes (:data:`~n2n.training.spec.PAIRS`, ...) -> the options it reads for that kind."""

    name: str
    methods: frozenset[str]
    options: Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class EngineSupport:
    """An engine's declaration: its data ``sources`` (the first one for a kind of data is that kind's default),
    the ``options`` it reads itself, and whether it trains under ``torchrun`` (``distributed``)."""

    name: str
    sources: Sequence[SourceSupport]
    options: frozenset[str]
    distributed: bool


# Where each option applies, for the errors: (where, fix).
WHERE = {
    "--noisy-b": ("goes with --noisy-a (the folder of first noisy copies)", "drop it or add --noisy-a DIR"),
    "--single-from-pairs": ("applies to --data only (single-image training on the first noisy copies of a pairs "
                            "file)", "for a folder of single noisy photos use --single DIR instead"),
    "--crops": ("applies to --noisy-a/--noisy-b folders only (how many crops are cut from them)", "drop it"),
    "--crop-size": ("applies to --noisy-a/--noisy-b folders, --photos and --single only (a pairs file holds crops "
                    "of one size)", "drop it"),
    "--limit": ("applies to pairs files and folders only (--data, --noisy-a/--noisy-b)", "drop it"),
    "--steps-per-epoch": ("applies to --photos and --single only (on fixed pairs an epoch is one pass over them)",
                          "drop it"),
    "--photo-scales": ("applies to --photos only", "drop it"),
    "--from-scratch": ("applies to --noisy-a/--noisy-b and --single only (users' noisy data, which starts from the "
                       "shipped weights otherwise); a pairs file and --photos train from scratch unless --init is given",
                       "drop it"),
    "--noise": ("applies to --photos only (noise synthesised on clean photos; other data is noisy already)", "drop it"),
    "--target": ("applies to --photos only (what the crops of clean photos are trained towards), fixed pairs and "
                 "folders are always trained Noise2Noise", "drop it, or use --single-from-pairs or --single DIR for "
                 "single-image training"),
    "--loss": ("applies to Noise2Noise or Noise2Clean training on --photos only", "drop it"),
    "--gray-fraction": ("applies to Noise2Noise training on --photos only", "drop it"),
    "--same-noise-fraction": ("applies to Noise2Noise training on --photos only", "drop it"),
    "--tone-fraction": ("applies to Noise2Noise training on --photos only", "drop it"),
    "--tone-gain-max": ("applies to Noise2Noise training on --photos only", "drop it"),
    "--jpeg-targets": ("applies to Noise2Noise training on --photos with JPEG noise only", "drop it"),
    "--teacher": ("applies to --photos only (targets made by a teacher network on crops with synthesised noise)",
                  "drop it"),
    "--teacher-symmetries": ("applies to --photos --teacher only", "drop it"),
    "--single-loss": ("applies to single-image training only (--single, --single-from-pairs or --photos --target "
                      "single)", "drop it or train on single images"),
    "--single-gamma": ("applies to single-image training only (--single, --single-from-pairs or --photos --target "
                       "single)", "drop it or train on single images"),
    "--single-targets": ("applies to single-image training only (--single, --single-from-pairs or --photos --target "
                         "single)", "drop it, or add --target single to train on the noisy inputs of --photos alone"),
}
ENGINE_HINTS = {"--photos": "train with --engine torch, or build pairs first with `n2n data build` and pass --data"}


def engine_supports() -> dict[str, EngineSupport]:
    """Every engine's declaration, by name (:data:`n2n.training.engines.ENGINES`)."""
    from n2n.training.engines import ENGINES, load_engine

    return {name: load_engine(name).supports for name in ENGINES}


def _elsewhere(flag: str, engine: EngineSupport, others: Mapping[str, EngineSupport], kind: str, method: str) -> str:
    """``flag`` is not the ``engine``'s: the message if another engine supports it here, else ``""``."""
    names = [other.name for other in others.values() if other.name != engine.name and (
        flag in other.options or any(method in source.methods and flag in source.options.get(kind, ())
                                     for source in other.sources))]
    if not names:
        return ""
    fix = ENGINE_HINTS.get(flag, f"drop it or train with --engine {names[0]}")
    return f"{flag} runs on the {' or '.join(names)} engine only, not on the {engine.name} engine: {fix}"


def _unsupported(flag: str, given: object) -> str:
    where, fix = WHERE.get(flag, ("does not apply to this training", "drop it"))
    typed = f"{flag} {given}" if flag == "--target" and isinstance(given, str) else flag
    return f"{typed} {where}: {fix}"


def choose_source(spec: TrainSpec, engine: EngineSupport, others: Mapping[str, EngineSupport]) -> SourceSupport:
    """The engine's data source for ``spec``; ``ValueError`` (one line) naming every option that would be
    ignored, or that the engine does not support."""
    kind, method = spec.data.kind, spec.method_kind
    candidates = [source for source in engine.sources if kind in source.options]
    if not candidates:
        raise ValueError(_elsewhere(DATA_FLAGS[kind], engine, others, kind, method)
                         or f"{DATA_FLAGS[kind]} is not supported by the {engine.name} engine")
    fitting = [source for source in candidates if method in source.methods]
    problems, reported = [], set()
    if not fitting:
        flag = spec.method_flag.split()[0]
        problems.append(_elsewhere(flag, engine, others, kind, method) or _unsupported(flag, spec.method.target))
        reported.add(flag)
    source = (fitting or candidates)[0]
    for flag, value in given_options(spec).items():
        if flag in reported or flag in engine.options or flag in source.options[kind] or flag in DATA_OPTIONS:
            continue
        problems.append(_elsewhere(flag, engine, others, kind, method) or _unsupported(flag, value))
    if problems:  # one line, every problem
        raise ValueError("; ".join(problems))
    return source


def fraction(flag: str, value: float | None) -> float:
    """A share option's value (``None``: 0), checked to lie in [0, 1]."""
    value = value or 0.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{flag} must be between 0 and 1, got {value:g}")
    return value


def check_values(spec: TrainSpec) -> None:
    """The values of ``spec`` and how they go together (independent of the network and of the files)."""
    data, noise, method, output = spec.data, spec.noise, spec.method, spec.output
    if spec.schedule.epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {spec.schedule.epochs}")
    if data.noisy_a is not None and data.noisy_b is None:
        raise ValueError("--noisy-a needs --noisy-b (a folder of second noisy copies)")
    for flag, value in (("--steps-per-epoch", data.steps_per_epoch), ("--crops", data.crops), ("--batch-size", spec.schedule.batch_size)):
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be >= 1, got {value}")
    if spec.engine.init is not None and output.resume:
        raise ValueError("--init starts a new run from given weights and --resume continues one: use one of them")
    if spec.engine.from_scratch and (spec.engine.init is not None or output.resume):
        other = "--init starts from given weights" if spec.engine.init is not None else "--resume continues a run"
        raise ValueError(f"--from-scratch starts a new network and {other}: use one of them")
    if spec.engine.widen is not None and spec.engine.init is None:
        raise ValueError("--widen grows trained weights: give them with --init WEIGHTS")
    _check_noise(spec)
    _check_distillation(spec)
    if method.single_gamma is not None and not (math.isfinite(method.single_gamma) and method.single_gamma >= 0):
        from n2n.training.neighbor2neighbor import GAMMA, PAPER_GAMMA

        raise ValueError(f"--single-gamma must be a number >= 0 (the regulariser's final weight; default {GAMMA:g}, "
                         f"the paper's {PAPER_GAMMA:g}), got {method.single_gamma!r}")
    if method.single_targets == "unclipped" and spec.method_kind == SINGLE_IMAGE and data.kind != PHOTOS:
        what = "the images of --single are already clipped photo files" if data.kind == IMAGES else \
            "the copies of a pairs file are already clipped"
        raise ValueError(f"--single-targets unclipped needs synthetic noise (--photos --target single): {what}")


def _check_noise(spec: TrainSpec) -> None:
    noise = spec.noise
    gray, tone = fraction("--gray-fraction", noise.gray_fraction), fraction("--tone-fraction", noise.tone_fraction)
    same = fraction("--same-noise-fraction", noise.same_noise_fraction)
    if same > 0 and gray == 0:
        raise ValueError("--same-noise-fraction is a share of the grey crops; give a --gray-fraction above 0")
    if noise.tone_gain_max is not None:
        if tone == 0:
            raise ValueError("--tone-gain-max shapes the tone curves of --tone-fraction; give a --tone-fraction above 0")
        from n2n.data.patches import check_tone_gain_max

        try:
            check_tone_gain_max(noise.tone_gain_max)
        except ValueError as error:
            raise ValueError(f"--tone-gain-max: {error}") from None
    if noise.noise is not None:
        from n2n.data.noise import parse_noise

        parse_noise(noise.noise)  # a bad spec fails here, before any data loads
    if noise.jpeg_targets is not None:
        from n2n.training.sources import has_jpeg_stage

        if not (spec.output.resume and noise.noise is None) and not has_jpeg_stage(noise.noise or "mixed"):
            raise ValueError(f"--jpeg-targets chooses the targets of noise saved as JPEG, and --noise {noise.noise or 'mixed'} "
                             "saves none: add ,jpeg to a noise (e.g. gaussian:0-50,jpeg) or leave --jpeg-targets out")
        if spec.method_kind != NOISE2NOISE:
            raise ValueError(f"--jpeg-targets chooses noisy targets, and {spec.method_flag} trains on others: leave it out")


def _check_distillation(spec: TrainSpec) -> None:
    method = spec.method
    if method.teacher is None:
        if method.teacher_symmetries is not None:
            raise ValueError("--teacher-symmetries shapes the targets of --teacher: give --teacher WEIGHTS")
        return
    if method.target not in (None, "noisy"):
        raise ValueError(f"--teacher makes the targets itself: drop --target {method.target}")
    if method.loss not in (None, "mse"):
        raise ValueError(f"--teacher targets are noise-free: drop --loss {method.loss}")
    if method.teacher_symmetries is not None and not 1 <= method.teacher_symmetries <= 8:
        raise ValueError(f"--teacher-symmetries must be between 1 and 8, got {method.teacher_symmetries}")


def check_spec(spec: TrainSpec, engine: EngineSupport) -> SourceSupport:
    """The data source of ``spec`` on ``engine`` once every check passes (module docstring)."""
    if not engine.distributed and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        raise ValueError(f"the {engine.name} engine trains in one process; run it without torchrun")
    source = choose_source(spec, engine, engine_supports())
    check_values(spec)
    return source
