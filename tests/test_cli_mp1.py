"""The ``n2n train``/``denoise``/``evaluate`` commands end to end on tiny data, via ``n2n.cli.main``."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from Miniproject_1.model import BEST_MODEL_PATH
from n2n.cli import main
from n2n.data.images import read_image, write_image
from tests.mp1_helpers import noisy, smooth_images, write_course_files

TRAIN_ARGS = ["--epochs", "2", "--batch-size", "8", "--arch", "8x2", "--threads", "1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("train")
    train, val = write_course_files(folder)
    out = folder / "model.pth"
    assert main(["train", "--data", str(train), "--val", str(val), "--out", str(out), *TRAIN_ARGS]) == 0
    return {"folder": folder, "train": train, "val": val, "out": out}


def test_train_writes_weights_resume_state_and_log(trained: dict) -> None:
    out = trained["out"]
    state = torch.load(out, weights_only=True)
    assert "head.0.0.weight" in state and state["head.0.0.weight"].shape[0] == 8
    last = torch.load(out.with_name("model.last.pth"), weights_only=True)
    assert last["epoch"] == 2
    rows = list(csv.DictReader(out.with_suffix(".csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert all(float(r["val_psnr"]) > 0 and float(r["loss"]) > 0 for r in rows)


def test_train_refuses_to_overwrite_and_resumes(trained: dict, capsys) -> None:
    args = ["train", "--data", str(trained["train"]), "--val", str(trained["val"]), "--out", str(trained["out"])]
    assert main([*args, *TRAIN_ARGS]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([*args, "--epochs", "3", "--resume"]) == 0
    rows = list(csv.DictReader(trained["out"].with_suffix(".csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]


def test_train_reports_bad_arguments(tmp_path: Path, capsys) -> None:
    train, val = write_course_files(tmp_path, pairs=8, val=2)
    base = ["train", "--data", str(train), "--val", str(val), "--out", str(tmp_path / "m.pth")]
    assert main([*base, "--arch", "big"]) == 2
    assert "WIDTHxDEPTH" in capsys.readouterr().err
    assert main([*base, "--resume"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["train", "--data", str(tmp_path / "none.pkl"), "--val", str(val), "--out", str(tmp_path / "m.pth")]) == 2


def test_denoise_writes_outputs_and_never_overwrites(trained: dict, tmp_path: Path, capsys) -> None:
    image = noisy(smooth_images(1, size=48)[:, :, :, :37].contiguous())
    source = tmp_path / "in.png"
    write_image(image, source)
    target = tmp_path / "out.png"
    args = ["denoise", str(source), "-o", str(target), "--checkpoint", str(trained["out"]), "--compare"]
    assert main(args) == 0
    assert read_image(target).shape == image.shape
    assert read_image(tmp_path / "out_compare.png").shape == (1, 3, 48, 2 * 37 + 8)
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([*args, "--force", "--tile", "32", "--overlap", "16"]) == 0


def test_denoise_writes_a_grey_photo_grey_unless_told_not_to(trained: dict, tmp_path: Path, capsys) -> None:
    clean = smooth_images(1, size=64).float().mean(1, keepdim=True).expand(-1, 3, -1, -1)
    generator = torch.Generator().manual_seed(0)
    image = (clean + 20 * torch.randn(clean.shape, generator=generator)).round().clamp(0, 255).to(torch.uint8)
    source = tmp_path / "grey_in.png"
    write_image(image, source)
    base = ["denoise", str(source), "--checkpoint", str(trained["out"])]
    assert main([*base, "-o", str(tmp_path / "auto.png")]) == 0
    assert "written as a grey photo" in capsys.readouterr().out
    auto = read_image(tmp_path / "auto.png")
    assert torch.equal(auto[:, 0], auto[:, 1]) and torch.equal(auto[:, 1], auto[:, 2])
    assert main([*base, "-o", str(tmp_path / "kept.png"), "--grey", "no"]) == 0
    assert "grey photo" not in capsys.readouterr().out
    kept = read_image(tmp_path / "kept.png")
    assert not torch.equal(kept[:, 0], kept[:, 1])  # the small network leaves colour noise behind
    with pytest.raises(SystemExit):
        main([*base, "-o", str(tmp_path / "bad.png"), "--grey", "maybe"])
    assert "--grey: invalid choice" in capsys.readouterr().err


def test_denoise_several_inputs_into_a_folder(trained: dict, tmp_path: Path) -> None:
    sources = []
    for i in range(2):
        sources.append(tmp_path / f"im{i}.png")
        write_image(noisy(smooth_images(1, size=16, seed=i)), sources[-1])
    folder = tmp_path / "out"
    folder.mkdir()
    assert main(["denoise", *map(str, sources), "-o", str(folder), "--checkpoint", str(trained["out"])]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["im0.png", "im1.png"]


def test_denoise_reports_missing_input(tmp_path: Path, capsys) -> None:
    assert main(["denoise", str(tmp_path / "none.png"), "-o", str(tmp_path / "o.png")]) == 2
    assert "none.png" in capsys.readouterr().err


def test_evaluate_prints_a_table_and_writes_json(trained: dict, tmp_path: Path, capsys) -> None:
    report = tmp_path / "eval.json"
    code = main(["evaluate", "--models", "--val", str(trained["val"]), "--checkpoint", str(trained["out"]), "--json", str(report)])
    assert code == 0
    table = capsys.readouterr().out
    assert "noisy input" in table and str(trained["out"]) in table
    rows = json.loads(report.read_text())
    assert {row["denoiser"] for row in rows} == {"noisy input", str(trained["out"])}


def test_evaluate_refuses_to_overwrite_json(trained: dict, tmp_path: Path, capsys) -> None:
    report = tmp_path / "eval.json"
    report.write_text("{}")
    assert main(["evaluate", "--models", "--val", str(trained["val"]), "--json", str(report)]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.skipif(not BEST_MODEL_PATH.is_file(), reason="bestmodel.pth not trained yet")
def test_demo_evaluates_and_denoises_the_example(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--limit", "4", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "miniproject1" in out and "dB denoised" in out
    assert (tmp_path / "demo" / "example_miniproject1.png").is_file()
    assert (tmp_path / "demo" / "example_miniproject1_compare.png").is_file()


@pytest.mark.slow
def test_two_gloo_processes_match_one_process(trained: dict, tmp_path: Path, precision: str) -> None:
    """DDP on 2 CPU processes (global batch 8 = 2 x 4) vs one process with batch 8: same weights, in either precision
    (the processes inherit N2N_PRECISION)."""
    data = ["--data", str(trained["train"]), "--val", str(trained["val"]), "--epochs", "2", "--arch", "8x2", "--no-augment"]
    common = [*data, "--batch-size", "8"]
    single, double, other = tmp_path / "single.pth", tmp_path / "ddp.pth", tmp_path / "batch16.pth"
    assert main(["train", *common, "--out", str(single), "--threads", "1"]) == 0
    assert main(["train", *data, "--batch-size", "16", "--out", str(other), "--threads", "1"]) == 0
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          "-m", "n2n.training", *common, "--out", str(double)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    a, b, c = (torch.load(p.with_name(p.stem + ".last.pth"), weights_only=True)["model"] for p in (single, double, other))
    parity = max(float((a[k] - b[k]).abs().max()) for k in a)
    control = max(float((a[k] - c[k]).abs().max()) for k in a)
    assert parity < 2e-3, f"DDP weights differ from single-process ones by {parity}"
    assert control > 5 * parity, f"a different global batch should differ more ({control} vs {parity})"
