"""``n2n train --engine scratch`` end to end on tiny data, via ``n2n.cli.main``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

import n2n.training.fit
import n2n.training.scratch_engine
from Miniproject_2.model import Model
from Miniproject_2.others.serialization import load_checkpoint
from n2n.cli import main
from n2n.inference import denoisers
from tests.mp1_helpers import write_course_files

FAST = ["--batch-size", "16", "--threads", "1"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("scratch")
    train, val = write_course_files(folder, pairs=32, val=8)
    return {"folder": folder, "train": train, "val": val}


def train(data: dict, out: Path, *options: str) -> int:
    return main(["train", "--engine", "scratch", "--data", str(data["train"]), "--val", str(data["val"]), "--out", str(out), *FAST, *options])


def log_rows(out: Path) -> list[dict]:
    return list(csv.DictReader(out.with_suffix(".csv").open()))


def test_course_network_trains_and_loads_into_model(data: dict, capsys) -> None:
    out = data["folder"] / "course.pth"
    assert train(data, out, "--arch", "course", "--epochs", "2") == 0
    assert "epoch 2:" in capsys.readouterr().out
    state, arch, meta = load_checkpoint(out)
    assert arch["kind"] == "course" and meta["engine"] == "scratch"
    rows = log_rows(out)
    assert [int(r["epoch"]) for r in rows] == [1, 2] and all(float(r["val_psnr"]) > 0 for r in rows)
    model = Model()
    model.load_weights(out)
    noisy = torch.randint(0, 256, (2, 3, 10, 14), dtype=torch.uint8)
    assert model.predict(noisy).shape == (2, 3, 10, 14)
    torch.testing.assert_close(denoisers.miniproject2(out)(noisy), model.predict(noisy))
    # No overwriting without --force.
    assert train(data, out, "--arch", "course", "--epochs", "1") == 2
    assert "already exists" in capsys.readouterr().err
    assert train(data, out, "--arch", "course", "--epochs", "1", "--force") == 0
    assert [int(r["epoch"]) for r in log_rows(out)] == [1]


def test_unet_resume_continues_exactly(data: dict, monkeypatch) -> None:
    straight, resumed = data["folder"] / "straight.pth", data["folder"] / "resumed.pth"
    assert train(data, straight, "--arch", "unet:6x2", "--epochs", "2") == 0

    real_write_log = n2n.training.fit.write_log

    def interrupted(history, path):  # stop the run right after its first epoch's files are written
        real_write_log(history, path)
        raise KeyboardInterrupt

    monkeypatch.setattr(n2n.training.fit, "write_log", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(data, resumed, "--arch", "unet:6x2", "--epochs", "2")
    monkeypatch.setattr(n2n.training.fit, "write_log", real_write_log)
    assert [int(r["epoch"]) for r in log_rows(resumed)] == [1]
    assert train(data, resumed, "--epochs", "2", "--resume") == 0

    assert [r["loss"] for r in log_rows(resumed)] == [r["loss"] for r in log_rows(straight)]
    ours, arch, _ = load_checkpoint(resumed.with_name("resumed.last.pth"))
    reference, _, _ = load_checkpoint(straight.with_name("straight.last.pth"))
    assert arch == {"kind": "unet", "width": 6, "depth": 2, "channels": 3}
    assert ours.keys() == reference.keys() and all(torch.equal(ours[k], reference[k]) for k in ours)
    assert "up.1.0.0.weight" in ours  # Miniproject_1's key names
    _, _, meta = load_checkpoint(straight)
    assert meta["config"]["lr"] == n2n.training.scratch_engine.UNET_DEFAULT_CONFIG.lr  # not the course network's rate
    noisy = torch.randint(0, 256, (1, 3, 9, 11), dtype=torch.uint8)
    assert denoisers.miniproject2(resumed)(noisy).shape == (1, 3, 9, 11)
    with pytest.raises(ValueError, match="does not describe a course network"):
        Model().load_weights(resumed)


def test_bad_arguments_give_clear_errors(data: dict, tmp_path: Path, capsys) -> None:
    out = tmp_path / "m.pth"
    assert train(data, out, "--arch", "big") == 2
    assert "course or unet" in capsys.readouterr().err
    assert train(data, out, "--resume") == 2
    assert "--resume needs" in capsys.readouterr().err
    assert train(data, out, "--epochs", "0") == 2
    assert "--epochs" in capsys.readouterr().err
    not_a_checkpoint = tmp_path / "m.last.pth"
    not_a_checkpoint.write_bytes(b"not a pickle")
    assert train(data, out, "--resume") == 2
    assert "refusing to load" in capsys.readouterr().err
