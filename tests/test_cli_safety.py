"""The CLI never replaces an input file, reads checkpoints of either Miniproject, and is quiet on request."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from Miniproject_1.model import BEST_MODEL_PATH as MP1_BEST
from Miniproject_2.model import BEST_MODEL_PATH as MP2_BEST
from n2n.cli import main
from n2n.data.course import load_val
from n2n.data.images import read_image, write_image
from n2n.evaluation.evaluate import VAL_SETS
from n2n.fileio import check_not_input
from n2n.inference.checkpoints import checkpoint_kind
from n2n.paths import PACKAGE_DATA, PACKAGE_VAL_CROPS, REPO_ROOT
from tests.mp1_helpers import noisy, smooth_images, write_course_files


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "shot.png"
    write_image(noisy(smooth_images(1, size=40)), path)
    return path


def test_denoise_never_replaces_its_input_even_with_force(photo: Path, capsys) -> None:
    before = photo.read_bytes()
    for extra in ([], ["--force"]):
        assert main(["denoise", str(photo), "-o", str(photo), "--quiet", *extra]) == 2
        assert "is an input" in capsys.readouterr().err
    link = photo.with_name("link.png")
    os.symlink(photo, link)
    assert main(["denoise", str(photo), "-o", str(link), "--force", "--quiet"]) == 2
    assert main(["denoise", str(photo), "-o", str(photo.parent), "--force", "--quiet"]) == 2  # folder/shot.png is the input
    assert photo.read_bytes() == before


def test_denoise_compare_output_never_replaces_an_input(tmp_path: Path, photo: Path, capsys) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    other = folder / f"{photo.stem}_compare.png"  # an input that is also where photo's comparison would go
    write_image(noisy(smooth_images(1, size=40, seed=1)), other)
    before = other.read_bytes()
    assert main(["denoise", str(photo), str(other), "-o", str(folder), "--compare", "--force", "--quiet"]) == 2
    assert "is an input" in capsys.readouterr().err
    assert other.read_bytes() == before
    assert main(["denoise", str(photo), str(other), "-o", str(folder), "--force", "--quiet"]) == 2  # folder/shot_compare.png
    assert main(["denoise", str(photo), "-o", str(folder / "new.png"), "--compare", "--quiet"]) == 0


def test_train_refuses_to_write_over_its_data(tmp_path: Path, capsys) -> None:
    train, val = write_course_files(tmp_path, pairs=8, val=2)
    before = val.read_bytes()
    assert main(["train", "--data", str(train), "--val", str(val), "--out", str(val), "--force", "--epochs", "1"]) == 2
    assert "is an input" in capsys.readouterr().err
    assert val.read_bytes() == before


def test_evaluate_json_never_replaces_an_input(tmp_path: Path, capsys) -> None:
    _, val = write_course_files(tmp_path, pairs=8, val=2)
    assert main(["evaluate", "--models", "--val", str(val), "--json", str(val), "--force"]) == 2
    assert "is an input" in capsys.readouterr().err


def test_check_not_input_allows_new_paths(tmp_path: Path) -> None:
    check_not_input(tmp_path / "new.png", [tmp_path / "old.png", None])
    with pytest.raises(ValueError, match="even with --force"):
        check_not_input(tmp_path / "a" / ".." / "x.png", [tmp_path / "x.png"])


@pytest.mark.skipif(not (MP1_BEST.is_file() and MP2_BEST.is_file()), reason="shipped models missing")
def test_denoise_checkpoint_of_either_miniproject(photo: Path, tmp_path: Path, capsys) -> None:
    assert checkpoint_kind(MP1_BEST) == "miniproject1" and checkpoint_kind(MP2_BEST) == "miniproject2"
    for index, checkpoint in enumerate((MP1_BEST, MP2_BEST)):
        assert main(["denoise", str(photo), "-o", str(tmp_path / f"o{index}.png"), "--checkpoint", str(checkpoint), "--quiet"]) == 0
    assert read_image(tmp_path / "o1.png").shape == read_image(photo).shape
    capsys.readouterr()
    assert main(["denoise", str(photo), "-o", str(tmp_path / "x.png"), "--checkpoint", str(MP2_BEST), "--model", "miniproject1"]) == 2
    error = capsys.readouterr().err
    assert "is a Miniproject_2" in error and "--model miniproject2" in error


def test_denoise_checkpoint_that_is_neither(photo: Path, tmp_path: Path, capsys) -> None:
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"hello")
    assert main(["denoise", str(photo), "-o", str(tmp_path / "x.png"), "--checkpoint", str(junk)]) == 2
    error = capsys.readouterr().err
    assert "not a checkpoint" in error and "Traceback" not in error
    torch.save({"a": 1}, junk, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="pickle of another format"):
        checkpoint_kind(junk)


@pytest.mark.skipif(not MP2_BEST.is_file(), reason="shipped model missing")
def test_each_miniproject_names_the_other_one_s_checkpoint() -> None:
    from Miniproject_1.model import Model as Model1
    from Miniproject_2.model import Model as Model2

    with pytest.raises(ValueError, match="is a Miniproject_2 checkpoint"):
        Model1().load_weights(MP2_BEST)
    with pytest.raises(ValueError, match=r"is a PyTorch \(Miniproject_1\) checkpoint"):
        Model2().load_weights(MP1_BEST)


def test_quiet_hides_progress_bars(photo: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    import n2n.progress

    seen = []
    real_bar = n2n.progress.bar

    def spy(*args, **kwargs):
        progress = real_bar(*args, **kwargs)
        seen.append(progress.disable)
        return progress

    monkeypatch.setattr("n2n.commands.denoise.bar", spy)
    assert main(["denoise", str(photo), "-o", str(tmp_path / "q.png"), "--quiet"]) == 0
    assert seen == [True]
    assert main(["denoise", str(photo), "-o", str(tmp_path / "r.png")]) == 0
    assert n2n.progress._quiet is False  # --quiet does not outlive its command


def test_package_val_sets_are_the_first_crops_of_the_committed_ones() -> None:
    for relative in VAL_SETS.values():
        shipped_noisy, shipped_clean = load_val(PACKAGE_DATA / "val" / Path(relative).name)
        noisy_crops, clean = load_val(REPO_ROOT / relative)
        assert shipped_noisy.shape[0] == PACKAGE_VAL_CROPS
        assert torch.equal(shipped_noisy, noisy_crops[:PACKAGE_VAL_CROPS]) and torch.equal(shipped_clean, clean[:PACKAGE_VAL_CROPS])
