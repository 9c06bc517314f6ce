"""``n2n train`` with nothing but noisy images: no ``--val``, the shipped weights as the start, the held-out
clean-free scores, the keep-the-best guard, ``--from-scratch``, and their errors. Tiny images, 1 thread."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from Miniproject_1.model import BEST_MODEL_PATH
from Miniproject_2.others.serialization import load_checkpoint
from n2n.cli import main
from n2n.data.images import write_image
from n2n.training.holdout import split_images
from tests.mp1_helpers import noisy, smooth_images, write_course_files

# The shipped 40x5 U-Net on 64 px crops (the smallest a depth-5 network trains on single images), 2 per step.
FAST = ["--batch-size", "2", "--threads", "1", "--quiet"]


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Four scenes of 80x80 px, three noisy shots each: ``single/``, ``a/`` and ``b/`` (same file names)."""
    folder = tmp_path_factory.mktemp("shots")
    for i in range(4):
        clean = smooth_images(1, size=80, seed=i)
        for name, seed in (("single", 10), ("a", 20), ("b", 30)):
            write_image(noisy(clean, seed=seed + i), folder / name / f"shot{i}.png")
    return folder


def rows(out: Path) -> list[dict]:
    with out.with_suffix(".csv").open() as file:
        return list(csv.DictReader(file))


def weights_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)


def shipped() -> dict:
    return torch.load(BEST_MODEL_PATH, weights_only=True)


def check_kept(out: Path, column: str, output: str) -> None:
    """OUT holds the epoch with the lowest ``column``, epoch 0 being the shipped weights, as the last line says."""
    records = rows(out)
    assert records[0]["epoch"] == "0" and records[0]["loss"] == ""
    best = min(records, key=lambda row: float(row[column]))
    kept = torch.load(out, weights_only=True)
    if best["epoch"] == "0":
        assert weights_equal(kept, shipped()) and "holds the starting weights" in output
    else:
        assert weights_equal(kept, torch.load(out.with_name(f"{out.stem}.epoch{int(best['epoch']):03d}.pth"),
                                              weights_only=True))
        assert f"holds epoch {best['epoch']}" in output and "better than the starting weights'" in output


def test_single_photos_alone_fine_tune_the_shipped_weights(shots: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "my.pth"
    assert main(["train", "--single", str(shots / "single"), "--out", str(out), "--epochs", "2", "--crop-size", "64",
                 "--steps-per-epoch", "2", "--keep-epochs", *FAST]) == 0
    output = capsys.readouterr().out
    assert "fine-tuning the shipped Miniproject_1 weights, peak rate 0.0001" in output
    held = split_images([f"shot{i}.png" for i in range(4)], "test")[1]
    assert f"held out 1 of 4 images" in output and f"shot{held[0]}.png" in output
    assert "timing:" in output and "per epoch" in output
    assert "mean absolute difference between the denoised and the noisy values of pixels hidden" in output
    check_kept(out, "heldout_masked_error", output)
    last = torch.load(out.with_name("my.last.pth"), weights_only=True)
    assert last["stream"]["loss"] == "l1" and last["config"]["lr"] == 1e-4  # the fine-tuning defaults
    assert main(["denoise", str(shots / "single" / "shot0.png"), "-o", str(tmp_path / "d.png"), "--checkpoint", str(out),
                 "--quiet"]) == 0


def test_noisy_pairs_alone_fine_tune_the_shipped_weights(shots: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "my.pth"
    assert main(["train", "--noisy-a", str(shots / "a"), "--noisy-b", str(shots / "b"), "--out", str(out), "--epochs",
                 "2", "--crops", "8", "--keep-epochs", *FAST]) == 0
    output = capsys.readouterr().out
    assert "fine-tuning the shipped Miniproject_1 weights" in output and "held out 1 of 4 image pairs" in output
    assert "mean absolute difference between each held-out pair's denoised first copy" in output
    check_kept(out, "heldout_pair_error", output)
    assert torch.load(out.with_name("my.last.pth"), weights_only=True)["config"]["loss"] == "l1"
    assert main(["denoise", str(shots / "a" / "shot0.png"), "-o", str(tmp_path / "d.png"), "--checkpoint", str(out),
                 "--quiet"]) == 0


def test_the_guard_keeps_the_shipped_weights_when_training_hurts(shots: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "my.pth"
    assert main(["train", "--noisy-a", str(shots / "a"), "--noisy-b", str(shots / "b"), "--out", str(out), "--epochs",
                 "1", "--crops", "8", "--lr", "3e-3", *FAST]) == 0  # a deliberately harmful rate
    output = capsys.readouterr().out
    epoch0, epoch1 = rows(out)
    assert float(epoch1["heldout_pair_error"]) > float(epoch0["heldout_pair_error"])
    assert "no epoch beat the starting weights" in output
    assert weights_equal(torch.load(out, weights_only=True), shipped())


def test_from_scratch_trains_a_new_network(shots: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "new.pth"
    assert main(["train", "--single", str(shots / "single"), "--from-scratch", "--out", str(out), "--epochs", "1",
                 "--crop-size", "32", "--steps-per-epoch", "2", *FAST]) == 0
    output = capsys.readouterr().out
    assert "starting from scratch (--from-scratch)" in output and "epoch 0" not in output
    assert [row["epoch"] for row in rows(out)] == ["1"]
    last = torch.load(out.with_name("new.last.pth"), weights_only=True)
    assert last["arch"] == {"width": 32, "depth": 3} and last["stream"]["loss"] == "l2" and last["config"]["lr"] == 1e-3


def test_a_pairs_file_without_val_holds_out_pairs(tmp_path: Path, capsys) -> None:
    train, _ = write_course_files(tmp_path, pairs=50, val=2)
    out = tmp_path / "m.pth"
    tiny = ["--arch", "8x2", "--batch-size", "8", "--threads", "1", "--quiet"]
    assert main(["train", "--data", str(train), "--out", str(out), "--epochs", "1", *tiny]) == 0
    output = capsys.readouterr().out
    assert "starting from scratch" in output and "held out 2 of 50 pairs" in output
    assert [row["epoch"] for row in rows(out)] == ["1"] and rows(out)[0]["heldout_pair_error"]
    scratch = tmp_path / "s.pth"
    assert main(["train", "--engine", "scratch", "--data", str(train), "--arch", "unet:4x1", "--out", str(scratch),
                 "--epochs", "1", "--batch-size", "8", "--threads", "1", "--quiet"]) == 0
    assert "heldout_pair_error" in load_checkpoint(scratch)[2]


def test_resuming_keeps_the_score_that_picks_the_best_epoch(shots: Path, tmp_path: Path, capsys) -> None:
    _, val = write_course_files(tmp_path, pairs=2, val=2)
    out = tmp_path / "m.pth"
    common = ["train", "--single", str(shots / "single"), "--out", str(out), "--crop-size", "64", "--steps-per-epoch",
              "1", *FAST]
    assert main([*common, "--epochs", "1"]) == 0
    assert main([*common, "--epochs", "2", "--resume", "--val", str(val)]) == 2
    assert "chose its best epoch by heldout_masked_error" in capsys.readouterr().err
    assert main([*common, "--epochs", "2", "--resume"]) == 0
    assert [row["epoch"] for row in rows(out)] == ["0", "1", "2"]  # the start is still epoch 0


def test_clean_free_training_reports_bad_inputs(shots: Path, tmp_path: Path, capsys) -> None:
    train, _ = write_course_files(tmp_path, pairs=4, val=2)
    one = tmp_path / "one"
    write_image(noisy(smooth_images(1, size=80)), one / "only.png")
    out = ["--out", str(tmp_path / "m.pth"), *FAST]
    cases = [
        (["--single", str(one)], "holds 1 image: without --val"),
        (["--data", str(train), "--from-scratch"], "--from-scratch applies to --noisy-a/--noisy-b and --single only"),
        (["--single", str(shots / "single"), "--from-scratch", "--init", str(BEST_MODEL_PATH)], "use one of them"),
    ]
    for options, message in cases:
        assert main(["train", *out, *options]) == 2, options
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (options, err)


def test_clean_photos_without_val_are_scored_on_the_whole_validation_photos(capsys) -> None:
    from n2n.training.spec import DataSpec, TrainSpec
    from n2n.training.validators import WholePhotos, validators_for

    validators, select = validators_for(TrainSpec(data=DataSpec(photos="default")))
    assert [type(validator) for validator in validators] == [WholePhotos] and select == "val_photos_psnr"
    assert "no --val: scoring each epoch on the 6 whole validation photos" in capsys.readouterr().out
