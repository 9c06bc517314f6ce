"""The one training loop of ``n2n train``, for every engine: epochs, validation, best epoch, resume, CSV log,
progress bars, DistributedDataParallel.

An engine hands the loop a :class:`Trainer` (its optimiser step over a data source, and its checkpoint
format); the loop owns everything else::

    for each epoch after state.epoch:
        loss = trainer.train_epoch(...)              progress bar, mean over processes, divergence check
        scores = score(trainer, plan.validators)     main process only
        better score -> trainer.write_best(OUT)      (plan.select names the deciding validator)
        --keep-epochs -> trainer.write_epoch(OUT.epochNNN.pth)
        trainer.write_last(OUT.last.pth, state)      everything --resume needs
        write_log(OUT.csv)                           the whole history, rewritten atomically

Hooks for what comes next: a score without clean images is one more :class:`Validator` (its ``column`` goes to
the CSV, ``higher_is_better`` says how it ranks epochs, ``plan.select`` makes it pick the best); a
keep-the-best guard scores the starting weights with :func:`score` before the first epoch ("epoch 0") and
starts from a :class:`FitState` whose ``best`` is that score, so that only an epoch that beats it is written.
"""

from __future__ import annotations

import csv
import glob
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import torch

from n2n.fileio import atomic_write
from n2n.progress import bar
from n2n.training.distributed import Distributed
from n2n.training.divergence import check_not_diverged
from n2n.training.eta import RunClock

Denoise = Callable[[torch.Tensor], torch.Tensor]
LOG_FIELDS = ["epoch", "loss", "val_psnr", "val_photos_psnr", "lr", "seconds"]


class Validator(Protocol):
    """Scores the network after each epoch: ``score(denoise)`` with ``denoise`` uint8/float ``(N, 3, H, W)`` in
    [0, 255] -> float ``(N, 3, H, W)`` in [0, 255]. ``column``: its key in the records and the CSV;
    ``higher_is_better``: how it ranks epochs; ``measures``: what it measures, its unit and which way is better
    (for the run's last line); ``start_margin``: with the guard, the relative gain over the starting weights an
    epoch needs to replace them (0 for clean scores; see :mod:`.validators`); ``describe(value)``: its part of
    the epoch line."""

    column: str
    higher_is_better: bool
    measures: str
    start_margin: float  # relative: how much better than the starting weights an epoch must score to replace them

    def score(self, denoise: Denoise) -> float: ...

    def describe(self, value: float) -> str: ...


class Trainer(Protocol):
    """What an engine gives the loop: its steps over the data source and its checkpoint format."""

    peak_lr: float  # for the advice when the loss blows up

    def steps_per_epoch(self) -> int: ...

    def learning_rate(self) -> float:
        """The rate of the next step (recorded per epoch)."""

    def train_epoch(self, epoch: int, on_step: Callable[[float], None]) -> float:
        """Epoch ``epoch`` (0-based); the mean training loss of this process."""

    def denoise(self, images: torch.Tensor) -> torch.Tensor: ...

    def weights(self) -> object:
        """The weights now, in the form the ``write_*`` methods take."""

    def write_best(self, path: Path, weights: object, record: dict) -> None: ...

    def write_epoch(self, path: Path, weights: object) -> None: ...

    def write_last(self, path: Path, weights: object, state: FitState) -> None: ...


@dataclass
class FitState:
    """Where a run stands: ``epoch`` epochs done, the ``best`` score so far (``None``: nothing scored yet), one
    record per epoch."""

    epoch: int = 0
    best: float | None = None
    history: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class FitPlan:
    """A run: ``epochs`` in all, the best weights written to ``out`` (``OUT.last.pth`` and ``OUT.csv`` beside
    it), the ``validators`` run after every epoch, the column of the one that picks the best epoch (``select``),
    whether every epoch's weights are kept as ``OUT.epochNNN.pth``, and whether the starting weights compete
    (``guard``, :func:`start_guard`)."""

    epochs: int
    out: Path
    validators: Sequence[Validator]
    select: str
    keep_epochs: bool = False
    guard: bool = False


def companion_paths(out: Path) -> tuple[Path, Path]:
    """The resumable checkpoint and CSV log written next to ``out``."""
    return out.with_name(out.stem + ".last.pth"), out.with_suffix(".csv")


def epoch_weights_path(out: Path, epoch: int) -> Path:
    """Where ``--keep-epochs`` writes the weights after ``epoch`` (1-based): ``OUT.epoch007.pth`` next to ``out``."""
    return out.with_name(f"{out.stem}.epoch{epoch:03d}.pth")


def kept_epoch_weights(out: Path) -> list[Path]:
    """The files :func:`epoch_weights_path` names for ``out`` that exist now, in epoch order."""
    return sorted(out.parent.glob(f"{glob.escape(out.stem)}.epoch[0-9][0-9][0-9]*.pth"))


def write_log(history: list[dict], path: Path) -> None:
    """Rewrite the whole CSV log atomically from the history kept in the checkpoint (columns of validators
    beyond :data:`LOG_FIELDS` follow them)."""
    extra = list(dict.fromkeys(key for record in history for key in record if key not in LOG_FIELDS))

    def write(file) -> None:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=LOG_FIELDS + extra, restval="")
        writer.writeheader()
        writer.writerows(history)
        file.write(text.getvalue().encode("utf-8"))

    atomic_write(path, write, overwrite=True)


def score(trainer: Trainer, validators: Sequence[Validator]) -> dict[str, float]:
    """Every validator's score of the trainer's network now, by column."""
    return {validator.column: validator.score(trainer.denoise) for validator in validators}


def beats_kept(value: float, state: FitState, plan: FitPlan, selector: Validator) -> bool:
    """Whether ``value`` (of ``plan.select``) beats the epoch kept so far; the starting weights (epoch 0, the guard)
    only by more than ``selector.start_margin`` (relative)."""
    best = state.best
    kept = kept_record(state.history, plan.select, best)
    margin = selector.start_margin
    if best is not None and kept is not None and kept["epoch"] == 0 and margin:
        best = best * (1 + margin if selector.higher_is_better else 1 - margin)
    return improves(value, best, selector.higher_is_better)


def improves(value: float, best: float | None, higher_is_better: bool) -> bool:
    """Whether the score ``value`` beats ``best`` (``None``: nothing scored yet); never a NaN."""
    if math.isnan(value):
        return False
    return best is None or (value > best if higher_is_better else value < best)


def shown_scores(plan: FitPlan, scores: dict[str, float]) -> str:
    """Every validator's part of an epoch line."""
    return ", ".join(validator.describe(scores[validator.column]) for validator in plan.validators)


def start_guard(trainer: Trainer, plan: FitPlan, state: FitState, ddp: Distributed) -> float:
    """The keep-the-best guard of a new run: score the starting weights ("epoch 0", recorded in the history),
    write them to ``OUT`` and make their score the one to beat. Returns the seconds the scoring took (0 on the
    other processes, and for a resumed run, whose history already holds its start)."""
    if state.epoch or state.history:
        return 0.0
    seconds = 0.0
    if ddp.main:
        started = time.perf_counter()
        scores = score(trainer, plan.validators)
        seconds = time.perf_counter() - started
        record = {"epoch": 0, **scores, "seconds": seconds}
        state.history.append(record)
        state.best = scores[plan.select]
        trainer.write_best(plan.out, trainer.weights(), record)
        write_log(state.history, companion_paths(plan.out)[1])
        print(f"epoch 0 (the starting weights): {shown_scores(plan, scores)}", flush=True)
    ddp.barrier()
    return seconds


def kept_record(history: list[dict], column: str, best: float | None) -> dict | None:
    """The first record of ``history`` whose ``column`` is ``best`` (the epoch ``OUT`` holds)."""
    return next((record for record in history if column in record and record[column] == best), None)


def final_line(plan: FitPlan, state: FitState, selector: Validator) -> str:
    """What ``OUT`` holds, by what measure, and (guarded runs) whether it beat the starting weights."""
    kept = kept_record(state.history, plan.select, state.best)
    if kept is None:
        return f"no epoch scored a usable {plan.select}; nothing was written to {plan.out}"
    value = selector.describe(kept[plan.select])
    start = state.history[0] if state.history and state.history[0]["epoch"] == 0 else None
    if start is None:
        return f"{plan.out} holds epoch {kept['epoch']}: {value} ({selector.measures})"
    if kept["epoch"] == 0:
        last = state.history[-1]
        by = f" by {selector.start_margin:.0%}" if selector.start_margin else ""
        return (f"no epoch beat the starting weights{by} ({value}; last epoch {last['epoch']}: "
                f"{selector.describe(last[plan.select])}), so {plan.out} holds the starting weights "
                f"({selector.measures})")
    return (f"{plan.out} holds epoch {kept['epoch']}: {value}, better than the starting weights' "
            f"{selector.describe(start[plan.select])} ({selector.measures})")


def fit(trainer: Trainer, plan: FitPlan, state: FitState, ddp: Distributed) -> FitState:
    """Train from ``state`` (a fresh one, or a resumed run's) to ``plan.epochs`` epochs (module docstring)."""
    last_path, log_path = companion_paths(plan.out)
    selector = next(validator for validator in plan.validators if validator.column == plan.select)
    score_seconds = start_guard(trainer, plan, state, ddp) if plan.guard else 0.0
    # every process keeps these (epoch 0, the start, has none): all must agree to stop
    losses = [record["loss"] for record in state.history if record["epoch"] > 0]
    first_epoch = state.epoch
    clock = RunClock(plan.epochs - first_epoch, trainer.steps_per_epoch(), score_seconds)
    for epoch in range(first_epoch, plan.epochs):
        with bar(total=trainer.steps_per_epoch(), enabled=ddp.main, desc=f"epoch {epoch + 1}/{plan.epochs}",
                 unit="step") as progress:
            def on_step(value: float) -> None:
                progress.update()
                progress.set_postfix(loss=f"{value:.4f}", refresh=False)
                if epoch == first_epoch and ddp.main:
                    estimate = clock.on_step()
                    if estimate is not None:
                        progress.write(estimate)

            lr, started = trainer.learning_rate(), time.perf_counter()
            clock.start()
            loss = trainer.train_epoch(epoch, on_step)
            seconds = time.perf_counter() - started
        loss = ddp.mean(loss)
        check_not_diverged(epoch + 1, loss, losses, plan.out, trainer.peak_lr, kept_start=plan.guard)
        losses.append(loss)
        if ddp.main:
            scores = score(trainer, plan.validators)
            record = {"epoch": epoch + 1, "loss": loss, **scores, "lr": lr, "seconds": seconds}
            state.history.append(record)
            state.epoch = epoch + 1
            weights = trainer.weights()
            if beats_kept(scores[plan.select], state, plan, selector):
                state.best = scores[plan.select]
                trainer.write_best(plan.out, weights, record)
            if plan.keep_epochs:
                trainer.write_epoch(epoch_weights_path(plan.out, epoch + 1), weights)
            trainer.write_last(last_path, weights, state)
            write_log(state.history, log_path)
            best = "none yet" if state.best is None else f"{state.best:.{2 if selector.higher_is_better else 3}f}"
            left = clock.after_epoch(time.perf_counter() - started)
            print(f"epoch {epoch + 1}: loss {loss:.5f}, {shown_scores(plan, scores)} (best {best}); {left}", flush=True)
        ddp.barrier()
    if ddp.main:
        print(final_line(plan, state, selector), flush=True)
    return state
