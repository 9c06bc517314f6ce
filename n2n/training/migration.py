"""What a resumable checkpoint recorded, as a :class:`~n2n.training.spec.TrainSpec`; and resuming with it.

Both engines' ``OUT.last.pth`` hold, once read (``Engine.read_checkpoint``): ``config`` (the engine's training
configuration), ``epoch``, ``best_psnr``, ``history`` and ``schema``; the torch engine also ``stream`` (the
data source's settings, ``None`` for fixed pairs, ``"kind": "single"`` for single images) and ``val_photos``.

Versions (:data:`~n2n.training.spec.SCHEMA_VERSION`):

- 1: no ``schema`` key: every checkpoint written before the TrainSpec. Keys that older runs did not record
  are filled with what those runs did (:func:`_from_version_1`);
- 2: the same layout, ``schema`` 2. Two stream settings are left out when at their defaults
  (``tone_gain_max``, ``same_noise_fraction``), so that files of runs that do not use them stay as before;
- 3: the torch engine's ``config`` also holds ``loss`` (Miniproject_1's ``TrainConfig.loss``: ``"l1"`` when
  fine-tuning on noisy files; earlier runs trained with ``"mse"``, the field's default), and a run from trained
  weights starts its ``history`` with an epoch-0 record (the keep-the-best guard). Older n2n cannot resume these
  files and says so instead of failing on the unknown field;
- 4: ``--photos`` runs whose noise is saved as JPEG record ``jpeg_targets`` (``"unsaved"``, the default since
  2026-12-06, or ``"saved"``); a stream without it trained on the saved files, and says so once migrated.

:func:`migrate` brings a checkpoint to the current version, one step per version; :func:`from_checkpoint`
then reads it without defaults; :func:`resume_spec` merges it with the options given to ``--resume``.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, Callable

from n2n.training.fit import FitState
from n2n.training.spec import (
    METHOD_NAMES,
    PARTS,
    SCHEMA_VERSION,
    DataSpec,
    MethodSpec,
    NoiseSpec,
    OutputSpec,
    ScheduleSpec,
    TrainSpec,
    shown,
)

SINGLE = "single"
# What runs did before they recorded it (version 1 checkpoints without the key).
FIRST_STREAM_SCALES = [384, 512, 640, 800]  # --photos before --photo-scales
# Options a resumed run does not take from its checkpoint: how long it runs and where its files go.
NOT_RECORDED = frozenset({"--epochs", "--engine", "--arch", "--init", "--widen", "--threads", "--out", "--val",
                          "--keep-epochs", "--resume", "--force"})


def _from_version_1(state: dict) -> dict:
    """Version 1 -> 2: fill the settings that runs from before each option did not record."""
    from n2n.data.patches import PATCH_SHORT_SIDES
    from n2n.training.neighbor2neighbor import PAPER_GAMMA

    state = {**state, "schema": 2}
    state.setdefault("val_photos", False)  # before --val-photos the best epoch was picked on --val
    stream = state.get("stream")
    if stream is None:
        state["stream"] = None  # fixed pairs (the scratch engine records no data source)
        return state
    stream = dict(stream)
    if stream.get("kind") == SINGLE:
        stream.setdefault("loss", "l2")  # before --single-loss
        stream.setdefault("gamma", PAPER_GAMMA)  # before --single-gamma: the paper's weight
        if stream["data"] == "photos":
            stream.setdefault("targets", "clipped")  # before --single-targets
            stream.setdefault("scales", list(PATCH_SHORT_SIDES))
        if stream["data"] == "pairs":
            stream.setdefault("limit", None)
    else:
        stream.setdefault("scales", list(FIRST_STREAM_SCALES))
        stream.setdefault("loss", "mse")
        stream.setdefault("gray_fraction", 0.0)
        stream.setdefault("tone_fraction", 0.0)
        if "teacher" in stream:
            stream.setdefault("teacher_symmetries", 8)  # the full ensemble, before --teacher-symmetries
    state["stream"] = stream
    return state


def _from_version_2(state: dict) -> dict:
    """Version 2 -> 3: nothing to fill (a config without ``loss`` trained with the default, ``"mse"``)."""
    return {**state, "schema": 3}


def _from_version_3(state: dict) -> dict:
    """Version 3 -> 4: nothing to fill (a stream without ``jpeg_targets`` trained on the saved files, the default
    of :func:`~n2n.training.sources.stream_defaults`)."""
    return {**state, "schema": 4}


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _from_version_1, 2: _from_version_2, 3: _from_version_3}


def checkpoint_version(state: dict, path: Path | str) -> int:
    """The settings version of ``state`` (1 when it has no ``schema`` key); ``ValueError`` if this n2n cannot read it."""
    version = state["schema"] if "schema" in state else 1
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"{path} has an unknown settings version {version!r}; start over with --force")
    if version > SCHEMA_VERSION:
        raise ValueError(f"{path} was written by a newer n2n (settings version {version}; this one reads up to "
                         f"{SCHEMA_VERSION}); update n2n to resume it")
    return version


def migrate(state: dict, path: Path | str = "checkpoint") -> dict:
    """``state`` at :data:`SCHEMA_VERSION`, through every migration from its own version."""
    version = checkpoint_version(state, path)
    while version < SCHEMA_VERSION:
        state = MIGRATIONS[version](state)
        version += 1
    return state


def _stream_spec(stream: dict) -> tuple[DataSpec, NoiseSpec, MethodSpec]:
    from n2n.training.sources import has_jpeg_stage, stream_defaults

    full = {**stream_defaults(), **stream}
    data = DataSpec(photos=full["photos"], crop_size=full["crop"], steps_per_epoch=full["steps_per_epoch"],
                    photo_scales=tuple(full["scales"]))
    noise = NoiseSpec(noise=full["noise"], gray_fraction=full["gray_fraction"], same_noise_fraction=full["same_noise_fraction"],
                      tone_fraction=full["tone_fraction"], tone_gain_max=full["tone_gain_max"],
                      jpeg_targets=full["jpeg_targets"] if has_jpeg_stage(full["noise"]) and full["target"] == "noisy" else None)
    teacher = {"teacher": Path(full["teacher"]), "teacher_symmetries": full["teacher_symmetries"],
               "teacher_sha256": full["teacher_sha256"]} if "teacher" in full else {}
    return data, noise, MethodSpec(target=full["target"], loss=full["loss"], **teacher)


def _single_spec(stream: dict) -> tuple[DataSpec, NoiseSpec, MethodSpec]:
    method = {"single_loss": stream["loss"], "single_gamma": float(stream["gamma"]), "single_ramp": bool(stream["ramp"])}
    if stream["data"] == "pairs":
        return DataSpec(pairs=Path(stream["path"]), from_pairs=True, limit=stream["limit"]), NoiseSpec(), MethodSpec(**method)
    cut = {"crop_size": stream["crop"], "steps_per_epoch": stream["steps_per_epoch"]}
    if stream["data"] == "folder":
        return DataSpec(single=Path(stream["path"]), **cut), NoiseSpec(), MethodSpec(**method)
    if stream["data"] == "photos":
        return (DataSpec(photos=stream["photos"], photo_scales=tuple(stream["scales"]), **cut), NoiseSpec(noise=stream["noise"]),
                MethodSpec(target=SINGLE, single_targets=stream["targets"], **method))
    raise ValueError(f"unknown single-image data {stream['data']!r} in the checkpoint's settings")


def from_checkpoint(state: dict, engine: str, path: Path | str = "checkpoint") -> TrainSpec:
    """The settings the resumable checkpoint ``state`` of ``engine`` recorded, at :data:`SCHEMA_VERSION`; options
    it does not record (:data:`NOT_RECORDED`, the files of fixed pairs) are left at "not given"."""
    state = migrate(state, path)
    config, stream = state["config"], state["stream"]
    schedule = ScheduleSpec(batch_size=config["batch_size"], lr=config["lr"], seed=config["seed"],
                            no_augment=not config["augment"])
    if stream is None:
        data, noise, method = DataSpec(), NoiseSpec(), MethodSpec()
    elif stream.get("kind") == SINGLE:
        data, noise, method = _single_spec(stream)
    else:
        data, noise, method = _stream_spec(stream)
    output = OutputSpec(val_photos=bool(state["val_photos"]))
    return replace(TrainSpec(data=data, noise=noise, method=method, schedule=schedule, output=output),
                   engine=replace(TrainSpec().engine, name=engine))


def fit_state(state: dict) -> FitState:
    """Where the run of ``state`` stands: epochs done, best score, per-epoch records."""
    best = float(state["best_psnr"])  # the selected score, whatever its unit; -inf: none yet
    return FitState(int(state["epoch"]), best if math.isfinite(best) else None, list(state["history"]))


# The columns that pick a run's best epoch, in the order validators_for prefers them, and how to resume each.
SELECTIONS = {"val_photos_psnr": "with --val-photos (or --photos without --val)", "val_psnr": "with --val FILE",
              "heldout_pair_error": "without --val (held-out pairs)", "heldout_masked_error": "without --val (held-out images)"}


def recorded_selection(history: list[dict]) -> str | None:
    """The column that picked the best epoch of a run with this ``history``: the first of :data:`SELECTIONS` its
    records hold (runs from before held-out scores all had ``val_psnr``); ``None`` for an empty history."""
    columns = {key for record in history for key in record}
    return next((column for column in SELECTIONS if column in columns), None)


def check_same_selection(history: list[dict], select: str, path: Path) -> None:
    """A resumed run keeps choosing its best epoch by the same score (its best so far is in that score's units)."""
    recorded = recorded_selection(history)
    if recorded is not None and recorded != select:
        raise ValueError(f"{path} chose its best epoch by {recorded} and this run would by {select}: resume it "
                         f"{SELECTIONS[recorded]}, as it was started")


def _family(spec: TrainSpec) -> str:
    from n2n.training.spec import SINGLE_IMAGE

    if spec.method_kind == SINGLE_IMAGE:
        return SINGLE
    return "photos" if spec.data.photos is not None else "pairs"


def _check_same_data(given: TrainSpec, recorded: TrainSpec, path: Path) -> None:
    ours, theirs = _family(given), _family(recorded)
    if ours == theirs:
        return
    if ours == SINGLE:
        raise ValueError(f"{path} was not trained on single images; resume it with the data options it was started with")
    if theirs == SINGLE:
        raise ValueError(f"{path} was trained on single images; resume it with the data options it was started with")
    if theirs == "pairs":
        raise ValueError(f"{path} was trained on fixed pairs, not --photos; resume it with the same data options")
    raise ValueError(f"{path} was trained on --photos, not on fixed pairs; resume it with the same data options")


def _same(given: Any, recorded: Any) -> bool:
    if given == recorded:
        return True
    if isinstance(given, (str, Path)) and isinstance(recorded, (str, Path)):
        return Path(given) == Path(recorded) or Path(given).resolve() == Path(recorded).resolve()
    if isinstance(given, (tuple, list)) and isinstance(recorded, (tuple, list)):
        return list(given) == list(recorded)
    return False


def resume_spec(given: TrainSpec, recorded: TrainSpec, path: Path) -> TrainSpec:
    """``given`` (the options of a ``--resume`` command) completed with what ``recorded`` (its checkpoint's
    :func:`from_checkpoint`) holds; ``ValueError`` naming the first option given with another value than the
    run was started with (leaving it out is always fine)."""
    _check_same_data(given, recorded, path)
    parts = {}
    for part in PARTS:
        ours, theirs = getattr(given, part), getattr(recorded, part)
        taken = {}
        for item in fields(ours):
            flag = item.metadata.get("flag")
            value, kept = getattr(ours, item.name), getattr(theirs, item.name)
            if flag in NOT_RECORDED or kept is None:
                continue
            if flag is None or value is None or value is False:
                taken[item.name] = kept
            elif not _same(value, kept):
                if kept is False:
                    raise ValueError(f"{path} was trained without {flag}; resume it without it")
                raise ValueError(f"{path} was trained with {flag} {shown(kept)}; resume it with that (or leave the option out)")
        parts[part] = replace(ours, **taken)
    merged = replace(given, **parts)
    if merged.method_kind != recorded.method_kind:
        raise ValueError(f"{path} was trained by {METHOD_NAMES[recorded.method_kind]}, not {METHOD_NAMES[merged.method_kind]}; "
                         "resume it with the options it was started with")
    return merged
