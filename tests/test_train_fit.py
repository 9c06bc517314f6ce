"""The one training loop (``n2n.training.fit``) with a stand-in engine: best epoch, validators, resume, CSV, and the
hooks that a clean-free score and a keep-the-best guard plug into."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch

from n2n.training.fit import LOG_FIELDS, FitPlan, FitState, fit, improves, score


class Single:
    """A single process (what :class:`n2n.training.distributed.Distributed` is without torchrun)."""

    main, world_size = True, 1

    def mean(self, value: float) -> float:
        return value

    def barrier(self) -> None:
        pass


class Recorder:
    """A trainer whose "weights" are the epoch count; remembers what the loop asked it to write."""

    peak_lr = 0.1

    def __init__(self) -> None:
        self.trained, self.written = 0, []

    def steps_per_epoch(self) -> int:
        return 2

    def learning_rate(self) -> float:
        return 0.1 / (1 + self.trained)

    def train_epoch(self, epoch: int, on_step) -> float:
        for _ in range(2):
            on_step(0.5)
        self.trained += 1
        return 0.5 / self.trained

    def denoise(self, images: torch.Tensor) -> torch.Tensor:
        return images + self.trained

    def weights(self) -> int:
        return self.trained

    def write_best(self, path: Path, weights: int, record: dict) -> None:
        self.written.append(("best", weights))

    def write_epoch(self, path: Path, weights: int) -> None:
        self.written.append(("epoch", weights))

    def write_last(self, path: Path, weights: int, state: FitState) -> None:
        self.written.append(("last", weights))


class Scripted:
    """A validator that returns the next of ``values`` for each epoch."""

    def __init__(self, column: str, values: list[float], higher_is_better: bool = True, start_margin: float = 0.0) -> None:
        self.column, self.values, self.higher_is_better = column, iter(values), higher_is_better
        self.measures = f"{column}, {'higher' if higher_is_better else 'lower'} is better"
        self.start_margin = start_margin

    def score(self, denoise) -> float:
        return next(self.values)

    def describe(self, value: float) -> str:
        return f"{self.column} {value:.2f}"


def best_epochs(trainer: Recorder) -> list[int]:
    return [weights for kind, weights in trainer.written if kind == "best"]


def test_the_selected_validator_picks_the_best_epoch_either_way(tmp_path: Path, capsys) -> None:
    higher = Recorder()
    plan = FitPlan(4, tmp_path / "a.pth", [Scripted("val_psnr", [30, 31, 29, 32])], "val_psnr")
    state = fit(higher, plan, FitState(), Single())
    assert best_epochs(higher) == [1, 2, 4] and state.best == 32 and state.epoch == 4
    assert "epoch 3: loss 0.16667, val_psnr 29.00 (best 31.00)" in capsys.readouterr().out
    # A clean-free score (lower is better, e.g. a Noise2Noise loss on held-out pairs) as one more validator.
    lower = Recorder()
    validators = [Scripted("val_psnr", [30, 31, 29, 32]), Scripted("val_n2n_loss", [0.3, 0.2, 0.25, math.nan], False)]
    state = fit(lower, FitPlan(4, tmp_path / "b.pth", validators, "val_n2n_loss", keep_epochs=True), FitState(), Single())
    assert best_epochs(lower) == [1, 2] and state.best == 0.2  # a NaN score is never the best
    assert [weights for kind, weights in lower.written if kind == "epoch"] == [1, 2, 3, 4]
    with (tmp_path / "b.csv").open() as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == LOG_FIELDS + ["val_n2n_loss"]  # the usual columns first, in their order
        assert [row["val_n2n_loss"] for row in reader] == ["0.3", "0.2", "0.25", "nan"]


def test_a_resumed_state_continues_after_its_last_epoch(tmp_path: Path) -> None:
    trainer = Recorder()
    earlier = [{"epoch": 1, "loss": 0.5, "val_psnr": 30.0, "lr": 0.1, "seconds": 1.0}]
    state = fit(trainer, FitPlan(3, tmp_path / "m.pth", [Scripted("val_psnr", [29, 31])], "val_psnr"),
                FitState(1, 30.0, earlier), Single())
    assert trainer.trained == 2 and [record["epoch"] for record in state.history] == [1, 2, 3]
    assert best_epochs(trainer) == [2]  # epoch 2's 29 dB does not beat the resumed run's 30


def test_the_starting_weights_can_set_the_score_to_beat(tmp_path: Path) -> None:
    """The keep-the-best guard's hook: score the starting weights ("epoch 0") and start from that best."""
    trainer = Recorder()
    validators = [Scripted("val_psnr", [33, 30, 31])]
    start = score(trainer, validators)
    assert start == {"val_psnr": 33}
    fit(trainer, FitPlan(2, tmp_path / "m.pth", validators, "val_psnr"), FitState(best=start["val_psnr"]), Single())
    assert best_epochs(trainer) == []  # no epoch beat the start: OUT is left to the guard


def test_the_guard_keeps_the_starting_weights_unless_an_epoch_beats_them(tmp_path: Path, capsys) -> None:
    trainer = Recorder()
    validators = [Scripted("heldout_pair_error", [5.0, 5.2, 5.1], higher_is_better=False)]
    state = fit(trainer, FitPlan(2, tmp_path / "m.pth", validators, "heldout_pair_error", guard=True), FitState(), Single())
    assert best_epochs(trainer) == [0]  # OUT got the starting weights before the first epoch, and kept them
    assert [record["epoch"] for record in state.history] == [0, 1, 2] and state.best == 5.0
    out = capsys.readouterr().out
    assert "epoch 0 (the starting weights): heldout_pair_error 5.00" in out
    assert "no epoch beat the starting weights" in out and "holds the starting weights" in out
    assert "heldout_pair_error, lower is better" in out  # the last line says what was measured
    with (tmp_path / "m.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert [row["epoch"] for row in rows] == ["0", "1", "2"] and rows[0]["loss"] == ""
    better = Recorder()
    validators = [Scripted("heldout_pair_error", [5.0, 4.9, 5.1], higher_is_better=False)]
    state = fit(better, FitPlan(2, tmp_path / "b.pth", validators, "heldout_pair_error", guard=True), FitState(), Single())
    assert best_epochs(better) == [0, 1] and state.best == 4.9
    assert "holds epoch 1: heldout_pair_error 4.90, better than the starting weights' heldout_pair_error 5.00" in \
        capsys.readouterr().out


def test_an_epoch_must_beat_the_start_by_the_margin_of_a_clean_free_score(tmp_path: Path) -> None:
    trainer = Recorder()  # 5.0 at the start: a 1 % margin asks for at most 4.95
    validators = [Scripted("heldout_pair_error", [5.0, 4.96, 4.9, 4.92], higher_is_better=False, start_margin=0.01)]
    state = fit(trainer, FitPlan(3, tmp_path / "m.pth", validators, "heldout_pair_error", guard=True), FitState(), Single())
    assert best_epochs(trainer) == [0, 2] and state.best == 4.9  # then the best epoch wins as usual
    resumed = Recorder()  # the margin holds across a resume too: the kept epoch is read from the history
    history = [{"epoch": 0, "heldout_pair_error": 5.0}, {"epoch": 1, "loss": 0.5, "heldout_pair_error": 4.97}]
    validators = [Scripted("heldout_pair_error", [4.96], higher_is_better=False, start_margin=0.01)]
    fit(resumed, FitPlan(2, tmp_path / "r.pth", validators, "heldout_pair_error", guard=True), FitState(1, 5.0, history),
        Single())
    assert best_epochs(resumed) == []


def test_a_resumed_guarded_run_keeps_its_start(tmp_path: Path, capsys) -> None:
    trainer = Recorder()
    earlier = [{"epoch": 0, "heldout_pair_error": 5.0, "seconds": 1.0},
               {"epoch": 1, "loss": 0.5, "heldout_pair_error": 5.3, "lr": 0.1, "seconds": 1.0}]
    plan = FitPlan(2, tmp_path / "m.pth", [Scripted("heldout_pair_error", [5.1], False)], "heldout_pair_error", guard=True)
    state = fit(trainer, plan, FitState(1, 5.0, earlier), Single())
    assert best_epochs(trainer) == [] and [record["epoch"] for record in state.history] == [0, 1, 2]
    assert "holds the starting weights" in capsys.readouterr().out


def test_the_run_says_how_long_it_will_take(tmp_path: Path, capsys) -> None:
    fit(Recorder(), FitPlan(3, tmp_path / "m.pth", [Scripted("val_psnr", [1, 2, 3])], "val_psnr"), FitState(), Single())
    out = capsys.readouterr().out
    assert out.count("timing:") == 1 and "per epoch" in out and "for 3 epochs" in out
    assert "left (done about" in out


@pytest.mark.parametrize("value, best, higher, expected", [
    (1.0, None, True, True), (math.nan, None, True, False), (2.0, 1.0, True, True), (0.5, 1.0, False, True),
    (1.0, 1.0, True, False), (-math.inf, None, False, True),
])
def test_improves(value, best, higher, expected) -> None:
    assert improves(value, best, higher) is expected
