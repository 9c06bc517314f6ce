"""Checkpoints written before the TrainSpec (``tests/fixtures/v1_checkpoints``, made by the code of commit 897e4eb)
load, migrate and resume with the same batches and schedule; resuming refuses options that differ from the run's."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pytest
import torch

from Miniproject_2.others.serialization import load_checkpoint
from n2n.cli import main
from n2n.training.migration import FIRST_STREAM_SCALES, from_checkpoint, migrate
from n2n.training.spec import DISTILLATION, NOISE2NOISE, SCHEMA_VERSION, SINGLE_IMAGE

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "v1_checkpoints"
_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open()))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    """The fixtures' inputs at the relative paths their checkpoints recorded, and their stopped runs."""
    monkeypatch.chdir(tmp_path)
    make_fixtures.write_inputs(tmp_path)
    for name in make_fixtures.RUNS:
        shutil.copytree(FIXTURES / name / "split", tmp_path / name / "split")
    # Stands in for the 6 whole validation photos (the fixture's run used a score of the weights, see make_fixtures).
    monkeypatch.setattr("n2n.training.validators.whole_photo_psnr", lambda denoise: 0.0)
    return tmp_path


def resume(name: str, *extra: str) -> int:
    options = [option for option in make_fixtures.RUNS[name]]
    if "--init" in options:  # --resume continues a run; --init started it
        at = options.index("--init")
        del options[at : at + 2]
    return main(["train", *options, *extra, "--val", "val.pkl", "--epochs", "3", "--out", f"{name}/split/model.pth",
                 "--threads", "1", "--quiet", "--resume"])


def test_version_1_checkpoints_read_as_the_options_they_were_started_with() -> None:
    stream = from_checkpoint(torch.load(FIXTURES / "stream/split/model.last.pth", weights_only=True), "torch")
    assert stream.data.photos == "photos" and stream.data.crop_size == 16 and stream.data.steps_per_epoch == 2
    assert stream.noise.noise == make_fixtures.NOISE and stream.noise.gray_fraction == 0.1
    assert stream.noise.tone_fraction == 0.5 and stream.noise.tone_gain_max == 1.0 and stream.noise.same_noise_fraction == 0.0
    assert stream.schedule.batch_size == 2 and stream.schedule.lr == 3e-3 and stream.schedule.seed == 20
    assert stream.output.val_photos is True and stream.method_kind == NOISE2NOISE and stream.method.loss == "mse"
    single = from_checkpoint(torch.load(FIXTURES / "single/split/model.last.pth", weights_only=True), "torch")
    assert single.method_kind == SINGLE_IMAGE and single.data.single == Path("shots") and single.data.crop_size == 16
    assert single.method.single_loss == "l1" and single.method.single_gamma == 0.5 and single.output.val_photos is False
    pairs = from_checkpoint(torch.load(FIXTURES / "pairs/split/model.last.pth", weights_only=True), "torch")
    assert pairs.data.kind is None and pairs.method_kind == NOISE2NOISE and pairs.schedule.seed == 3
    state, arch, meta = load_checkpoint(FIXTURES / "scratch/split/model.last.pth")
    scratch = from_checkpoint({**meta, "stream": None, "val_photos": False}, "scratch")
    assert scratch.engine.name == "scratch" and scratch.schedule.batch_size == 4 and "schema" not in meta


def test_options_older_runs_did_not_record_take_what_those_runs_did() -> None:
    from n2n.data.patches import PATCH_SHORT_SIDES, TONE_GAIN
    from n2n.training.neighbor2neighbor import PAPER_GAMMA

    state = torch.load(FIXTURES / "stream/split/model.last.pth", weights_only=True)
    for key in ("scales", "loss", "gray_fraction", "tone_fraction", "tone_gain_max"):
        del state["stream"][key]
    del state["val_photos"]
    state["stream"]["teacher"], state["stream"]["teacher_sha256"] = "teacher.pth", "0" * 64
    spec = from_checkpoint(state, "torch")
    assert spec.data.photo_scales == tuple(FIRST_STREAM_SCALES) and spec.method.loss == "mse"
    assert spec.noise.gray_fraction == spec.noise.tone_fraction == 0.0 and spec.noise.tone_gain_max == TONE_GAIN[1]
    assert spec.output.val_photos is False
    assert spec.method_kind == DISTILLATION and spec.method.teacher_symmetries == 8  # the full ensemble, as then
    assert migrate(state)["schema"] == SCHEMA_VERSION and "schema" not in state  # the input is left as it was

    single = torch.load(FIXTURES / "single/split/model.last.pth", weights_only=True)
    del single["stream"]["loss"], single["stream"]["gamma"]
    old = from_checkpoint(single, "torch")
    assert old.method.single_loss == "l2" and old.method.single_gamma == PAPER_GAMMA
    photos = {"kind": "single", "data": "photos", "photos": "default", "noise": "gaussian:25", "crop": 32,
              "steps_per_epoch": 5, "gamma": 2.0, "ramp": True}
    old_photos = from_checkpoint({**single, "stream": photos}, "torch")
    assert old_photos.method.single_targets == "clipped" and old_photos.data.photo_scales == PATCH_SHORT_SIDES

    with pytest.raises(ValueError, match="newer n2n"):
        from_checkpoint({**single, "schema": SCHEMA_VERSION + 1}, "torch", "m.last.pth")


@pytest.mark.parametrize("name", list(make_fixtures.RUNS))
def test_a_version_1_run_resumes_where_it_stopped(workdir: Path, name: str) -> None:
    """Epoch 3 after the old code's epoch 2: the same batches and rates as the old code's straight 3 epochs."""
    assert resume(name) == 0
    split, straight = workdir / name / "split", FIXTURES / name / "straight"
    ours, theirs = rows(split / "model.csv"), rows(straight / "model.csv")
    assert [row["epoch"] for row in ours] == ["1", "2", "3"]
    assert ours[:2] == rows(FIXTURES / name / "split" / "model.csv")  # the history carried over, as written
    assert ours[2]["lr"] == theirs[2]["lr"]  # the schedule continued exactly
    assert float(ours[2]["loss"]) == pytest.approx(float(theirs[2]["loss"]), rel=1e-5)
    assert float(ours[2]["val_psnr"]) == pytest.approx(float(theirs[2]["val_psnr"]), abs=1e-4)
    if name == "scratch":
        weights, _, meta = load_checkpoint(split / "model.last.pth")
        reference = load_checkpoint(straight / "model.last.pth")[0]
    else:
        state = torch.load(split / "model.last.pth", weights_only=True)
        weights, meta = state["model"], state
        reference = torch.load(straight / "model.last.pth", weights_only=True)["model"]
        assert state["stream"] == torch.load(straight / "model.last.pth", weights_only=True)["stream"]  # same settings
    assert meta["schema"] == SCHEMA_VERSION and meta["epoch"] == 3
    assert all(torch.allclose(weights[key], reference[key], rtol=1e-4, atol=1e-6) for key in reference)
    if name == "stream":
        assert (split / "model.epoch003.pth").is_file()  # --keep-epochs carried on


@pytest.mark.parametrize("name", list(make_fixtures.RUNS))
def test_a_new_run_trains_as_the_old_code_did(workdir: Path, name: str) -> None:
    """The same command, 3 epochs from the start: the old code's losses, rates and weights (a run from --init
    weights now also scores them first, as epoch 0: the keep-the-best guard)."""
    out = workdir / name / "fresh" / "model.pth"
    # The old code's JPEG targets were the saved files; new runs default to the copies before the save.
    then = ["--jpeg-targets", "saved"] if name == "stream" else []
    assert main(["train", *make_fixtures.RUNS[name], *then, "--val", "val.pkl", "--epochs", "3", "--out", str(out),
                 "--threads", "1", "--quiet"]) == 0
    ours, theirs = rows(out.with_suffix(".csv")), rows(FIXTURES / name / "straight" / "model.csv")
    assert (ours[0]["epoch"] == "0") == ("--init" in make_fixtures.RUNS[name])
    ours = [row for row in ours if row["epoch"] != "0"]
    assert [row["lr"] for row in ours] == [row["lr"] for row in theirs]
    assert [float(row["loss"]) for row in ours] == pytest.approx([float(row["loss"]) for row in theirs], rel=1e-5)
    last = out.with_name("model.last.pth")
    if name == "scratch":
        weights, reference = load_checkpoint(last)[0], load_checkpoint(FIXTURES / name / "straight" / "model.last.pth")[0]
    else:
        weights = torch.load(last, weights_only=True)["model"]
        reference = torch.load(FIXTURES / name / "straight" / "model.last.pth", weights_only=True)["model"]
    assert all(torch.allclose(weights[key], reference[key], rtol=1e-4, atol=1e-6) for key in reference)


def test_new_photo_runs_train_on_unsaved_jpeg_targets_and_record_them(workdir: Path, capsys) -> None:
    out = workdir / "stream" / "unsaved" / "model.pth"
    assert main(["train", *make_fixtures.RUNS["stream"], "--val", "val.pkl", "--epochs", "1", "--out", str(out),
                 "--threads", "1", "--quiet"]) == 0
    state = torch.load(out.with_name("model.last.pth"), weights_only=True)
    assert state["stream"]["jpeg_targets"] == "unsaved" and state["schema"] == SCHEMA_VERSION
    theirs = rows(FIXTURES / "stream" / "straight" / "model.csv")
    ours = [row for row in rows(out.with_suffix(".csv")) if row["epoch"] != "0"]
    assert float(ours[0]["loss"]) != pytest.approx(float(theirs[0]["loss"]), rel=1e-5)  # other targets, other loss
    assert from_checkpoint(state, "torch").noise.jpeg_targets == "unsaved"
    assert main(["train", "--photos", "photos", "--jpeg-targets", "saved", "--val", "val.pkl", "--epochs", "2",
                 "--out", str(out), "--threads", "1", "--quiet", "--resume"]) == 2
    assert "was trained with --jpeg-targets unsaved" in capsys.readouterr().err
    # A run from before the option resumes on the saved files, as it was trained.
    old = torch.load(FIXTURES / "stream" / "split" / "model.last.pth", weights_only=True)
    assert "jpeg_targets" not in old["stream"] and from_checkpoint(old, "torch").noise.jpeg_targets == "saved"


def test_jpeg_targets_needs_jpeg_noise_and_noisy_targets(workdir: Path, capsys) -> None:
    base = ["train", "--photos", "photos", "--val", "val.pkl", "--epochs", "1", "--threads", "1", "--quiet",
            "--crop-size", "16", "--steps-per-epoch", "1", "--out", "x/model.pth"]
    assert main([*base, "--noise", "gaussian:25", "--jpeg-targets", "saved"]) == 2
    assert "saves none: add ,jpeg" in capsys.readouterr().err
    assert main([*base, "--noise", "gaussian:25,jpeg", "--target", "clean", "--jpeg-targets", "saved"]) == 2
    assert "--target clean trains on others" in capsys.readouterr().err


def test_resuming_with_another_value_names_the_option(workdir: Path, capsys) -> None:
    cases = [
        ("stream", ["--seed", "3"], "was trained with --seed 20"),
        ("stream", ["--tone-gain-max", "2"], "was trained with --tone-gain-max 1"),
        ("stream", ["--target", "clean"], "was trained with --target noisy"),
        ("pairs", ["--no-augment"], "was trained without --no-augment"),
        ("single", ["--single-gamma", "2"], "was trained with --single-gamma 0.5"),
        ("scratch", ["--lr", "0.01"], "was trained with --lr 0.001"),
    ]
    for name, extra, message in cases:
        assert resume(name, *extra) == 2, extra
        assert message in capsys.readouterr().err
    for name in make_fixtures.RUNS:  # nothing was trained by the refused commands
        assert [row["epoch"] for row in rows(workdir / name / "split" / "model.csv")] == ["1", "2"]


def test_resuming_with_the_options_left_out_takes_the_recorded_ones(workdir: Path) -> None:
    assert main(["train", "--photos", "photos", "--val", "val.pkl", "--epochs", "3", "--out", "stream/split/model.pth",
                 "--threads", "1", "--quiet", "--resume"]) == 0
    state = torch.load("stream/split/model.last.pth", weights_only=True)
    reference = torch.load(FIXTURES / "stream/straight/model.last.pth", weights_only=True)
    # the same settings; since version 3 the config also names its loss, the default for these runs
    assert state["stream"] == reference["stream"] and state["config"] == {**reference["config"], "loss": "mse"}
    assert state["val_photos"] is True  # the best epoch stays chosen by one measure
    assert all(torch.allclose(state["model"][key], reference["model"][key], rtol=1e-4, atol=1e-6) for key in reference["model"])
