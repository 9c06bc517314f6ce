"""The TrainSpec of ``n2n train``: options read in one place, what engines and data sources support checked in one
place (nothing silently ignored), defaults that fit the network, the grouped help, and the code's shape."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

import pytest
import torch

from Miniproject_1.others.checkpoint import save_atomically
from Miniproject_1.others.unet import UNet
from n2n.cli import main
from n2n.data.images import write_image
from n2n.training.crop_size import fitting_crop
from n2n.training.options import add_arguments
from n2n.training.spec import TrainSpec, given_options, option_fields
from n2n.training.supports import COMMON_OPTIONS, WHERE, engine_supports
from tests.mp1_helpers import noisy, smooth_images, write_course_files

ROOT = Path(__file__).resolve().parents[1]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture
def files(tmp_path: Path) -> dict:
    train, val = write_course_files(tmp_path, pairs=8, val=2)
    return {"train": str(train), "val": str(val), "out": str(tmp_path / "m.pth"), "tmp": tmp_path}


def test_the_scratch_engine_names_every_option_it_would_ignore(files: dict, capsys) -> None:
    argv = ["train", "--engine", "scratch", "--data", files["train"], "--val", files["val"], "--out", files["out"],
            "--loss", "noise-normalised", "--single-gamma", "3", "--target", "clean"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line
    for option in ("--target clean", "--loss", "--single-gamma"):
        assert option in err, (option, err)
    assert not Path(files["out"]).exists()


@pytest.mark.parametrize("options, message", [
    (["--crop-size", "32"], "--crop-size applies to --noisy-a/--noisy-b folders, --photos and --single only"),
    (["--steps-per-epoch", "5"], "--steps-per-epoch applies to --photos and --single only"),
    (["--crops", "10"], "--crops applies to --noisy-a/--noisy-b folders only"),
    (["--noise", "gaussian:25"], "--noise applies to --photos only"),
    (["--photo-scales", "256"], "--photo-scales applies to --photos only"),
    (["--noisy-b", "."], "--noisy-b goes with --noisy-a"),
    (["--target", "single"], "--target single applies to --photos only"),
    (["--engine", "scratch", "--val-photos"], "--val-photos runs on the torch engine only"),
    (["--engine", "scratch", "--single-from-pairs"], "--single-from-pairs runs on the torch engine only"),
])
def test_options_that_do_nothing_with_a_pairs_file_are_refused(files: dict, capsys, options: list, message: str) -> None:
    assert main(["train", "--data", files["train"], "--val", files["val"], "--out", files["out"], *options]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_options_are_checked_against_the_data_source_that_runs(files: dict, capsys) -> None:
    folder = files["tmp"] / "shots"
    write_image(noisy(smooth_images(1, size=32)), folder / "a.png")
    base = ["train", "--val", files["val"], "--out", files["out"]]
    cases = [
        ([*base, "--single", str(folder), "--limit", "3"], "--limit applies to pairs files and folders only"),
        ([*base, "--single", str(folder), "--noise", "gaussian:5"], "--noise applies to --photos only"),
        ([*base, "--photos", str(folder), "--crops", "5"], "--crops applies to --noisy-a/--noisy-b folders only"),
        ([*base, "--photos", str(folder), "--target", "single", "--loss", "std-normalised"], "--loss applies to"),
        ([*base, "--noisy-a", str(folder)], "--noisy-a needs --noisy-b"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err
    # --target noisy with a pairs file is what the pairs file trains anyway: not an ignored option.
    assert main([*base, "--data", files["train"], "--target", "noisy", "--arch", "4x2", "--epochs", "1", "--batch-size", "8",
                 "--threads", "1", "--quiet"]) == 0


def test_from_args_reads_every_option_into_the_spec() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    flags = {option for action in parser._actions for option in action.option_strings if option.startswith("--")}
    spec_flags = {flag for _, _, flag, _ in option_fields(TrainSpec())}
    assert flags - {"--help"} == spec_flags
    spec = TrainSpec.from_args(parse("--photos", "--val", "v.pkl", "--out", "o.pth", "--photo-scales", "512", "256", "256",
                                     "--widen", "8,12", "--tone-fraction", "0.5"))
    assert spec.data.photos == "default" and spec.data.photo_scales == (256, 512) and spec.engine.widen == (8, 12)
    assert given_options(spec) == {"--photos": "default", "--val": Path("v.pkl"), "--out": Path("o.pth"),
                                   "--photo-scales": (256, 512), "--widen": (8, 12), "--tone-fraction": 0.5}


def test_every_option_is_declared_somewhere_and_explained() -> None:
    engines = engine_supports()
    read = set(COMMON_OPTIONS)
    for engine in engines.values():
        read |= engine.options
        for source in engine.sources:
            for options in source.options.values():
                read |= options
    spec_flags = {flag for _, _, flag, _ in option_fields(TrainSpec())}
    assert spec_flags <= read  # no option that nothing reads
    non_common = spec_flags - COMMON_OPTIONS - {"--data", "--noisy-a", "--photos", "--single"}
    missing = non_common - set(WHERE) - engines["torch"].options
    assert not missing, f"options without a WHERE explanation: {missing}"
    assert set(WHERE) <= spec_flags


def test_default_crops_fit_the_network(tmp_path: Path, capsys) -> None:
    assert fitting_crop(96, 16) == 96 and fitting_crop(96, 64) == 128 and fitting_crop(64, 32) == 64
    shots = tmp_path / "shots"
    write_image(noisy(smooth_images(1, size=136)), shots / "a.png")
    deep = UNet(width=2, depth=5)  # the shipped network's depth: single-image crops must be multiples of 64
    save_atomically(deep.state_dict(), tmp_path / "deep.pth")
    _, val = write_course_files(tmp_path, pairs=2, val=2)
    out = tmp_path / "m.pth"
    assert main(["train", "--single", str(shots), "--init", str(tmp_path / "deep.pth"), "--val", str(val), "--out", str(out),
                 "--steps-per-epoch", "1", "--batch-size", "1", "--epochs", "1", "--threads", "1", "--quiet"]) == 0
    assert torch.load(tmp_path / "m.last.pth", weights_only=True)["stream"]["crop"] == 128
    assert main(["train", "--single", str(shots), "--init", str(tmp_path / "deep.pth"), "--val", str(val),
                 "--out", str(tmp_path / "n.pth"), "--crop-size", "96", "--epochs", "1", "--quiet"]) == 2
    assert "multiples of 64" in capsys.readouterr().err


def test_help_is_grouped_everyday_options_first_and_plain_text(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    titles = ["what to train on", "noise to synthesise", "single-image options", "schedule and engine",
              "output and resume", "research options"]
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    research = text[positions[-1]:]
    for option in ("--teacher", "--tone-gain-max", "--same-noise-fraction", "--loss", "--widen", "--target"):
        assert option in research and option not in text[positions[0]:positions[-1]].replace("--target single", "")
    assert "``" not in text and ":mod:" not in text and ":func:" not in text
    assert "BATCH_SIZE" not in text and "single_gamma" not in text


def python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_no_training_function_takes_more_than_eight_parameters() -> None:
    long = []
    for path in python_files("n2n/training", "Miniproject_1/others"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = node.args
                count = len(arguments.posonlyargs) + len(arguments.args) + len(arguments.kwonlyargs)
                count += bool(arguments.vararg) + bool(arguments.kwarg)
                if count > 8:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({count})")
    assert not long, long


def test_only_from_args_reads_the_command_line() -> None:
    readers = []
    for path in python_files("n2n/training"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "args":
                readers.append(path.name)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr" and \
                    isinstance(node.args[0], ast.Name) and node.args[0].id == "args":
                readers.append(path.name)
    assert set(readers) == {"spec_args.py"}


def test_miniproject_1_decides_precision_by_the_hardware_and_n2n_by_its_setting(monkeypatch) -> None:
    from Miniproject_1.others.precision import native_bfloat16
    from n2n.inference.denoisers import miniproject1
    from n2n.precision import use_bfloat16

    for path in python_files("Miniproject_1"):
        text = path.read_text()
        assert "N2N_PRECISION" not in text and "noise_normalised" not in text and "import n2n" not in text, path
    cpu = torch.device("cpu")
    monkeypatch.setenv("N2N_PRECISION", "float32")
    assert use_bfloat16(cpu) is False
    assert miniproject1().__self__.bfloat16 is False  # n2n's denoiser: the course Model at n2n's precision
    monkeypatch.setenv("N2N_PRECISION", "bfloat16")
    assert use_bfloat16(cpu) is True
    monkeypatch.delenv("N2N_PRECISION")
    assert use_bfloat16(cpu) == native_bfloat16(cpu)
    from Miniproject_1.model import Model

    assert Model().bfloat16 is None  # the course Model on its own: the hardware decides
