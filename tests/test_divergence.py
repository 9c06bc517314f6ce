"""``n2n train`` stops with advice when the loss blows up, keeping the best earlier checkpoint."""

from __future__ import annotations

import csv
import math

import pytest
import torch

import n2n.training.scratch_engine
import n2n.training.sources
from n2n.cli import main
from n2n.training.divergence import TrainingDiverged, check_not_diverged
from tests.mp1_helpers import write_course_files


@pytest.mark.parametrize("loss, earlier", [(0.011, []), (0.011, [0.012]), (0.09, [0.01])])
def test_healthy_losses_pass(loss, earlier):
    check_not_diverged(2, loss, earlier, "m.pth", 2e-3)


@pytest.mark.parametrize("loss, earlier", [(math.nan, []), (math.inf, [0.01]), (807.8, []), (0.2, [0.012, 0.015])])
def test_blown_up_losses_stop_with_advice(loss, earlier):
    with pytest.raises(TrainingDiverged, match=r"diverged in epoch 3.*--lr 0\.001 --force"):
        check_not_diverged(3, loss, earlier, "m.pth", 2e-3)


def test_train_stops_keeps_best_epoch_and_resume_state(tmp_path, monkeypatch, capsys):
    train, val = write_course_files(tmp_path, pairs=16, val=4)
    out = tmp_path / "m.pth"
    real_epoch = n2n.training.sources.train_epoch

    def blows_up_in_epoch_2(*args, **kwargs):
        loss = real_epoch(*args, **kwargs)
        return 1e6 if args[5] == 1 else loss  # args[5]: 0-based epoch

    monkeypatch.setattr(n2n.training.sources, "train_epoch", blows_up_in_epoch_2)
    args = ["train", "--data", str(train), "--val", str(val), "--out", str(out),
            "--epochs", "3", "--batch-size", "8", "--arch", "8x2", "--threads", "1"]
    assert main(args) == 2
    assert "training diverged in epoch 2" in capsys.readouterr().err
    assert [int(r["epoch"]) for r in csv.DictReader(out.with_suffix(".csv").open())] == [1]
    assert torch.load(out.with_name("m.last.pth"), weights_only=True)["epoch"] == 1
    assert out.is_file()


def test_scratch_engine_stops_before_saving_the_blown_up_epoch(tmp_path, monkeypatch, capsys):
    train, val = write_course_files(tmp_path, pairs=16, val=4)
    out = tmp_path / "s.pth"
    monkeypatch.setattr(n2n.training.scratch_engine.TrainingRun, "epoch", lambda *args, **kwargs: math.nan)
    assert main(["train", "--engine", "scratch", "--data", str(train), "--val", str(val), "--out", str(out),
                 "--epochs", "2", "--batch-size", "8", "--threads", "1"]) == 2
    err = capsys.readouterr().err
    assert "training diverged in epoch 1" in err and "nothing was written" in err
    assert not out.exists() and not out.with_name("s.last.pth").exists()
