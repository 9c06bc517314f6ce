"""Whole-photo evaluation under noise specs (``n2n evaluate --photos --noise SPEC``): JPEG-saved and camera noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from n2n.cli import main
from n2n.evaluation import whole_photos as wp
from tests.test_whole_photos import _photo_array, blur, fake_baseline

SPECS = ("gaussian:25,jpeg:90:420", "camera:800,jpeg:90:420")


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(_photo_array(72, 100, 1)).save(folder / "a.png")
    Image.fromarray(_photo_array(64, 64, 2)).save(folder / "b.png")
    return folder


def test_noise_columns_must_be_fixed_and_well_formed() -> None:
    assert wp.check_noises(["gaussian:25,jpeg:90:420", "camera:3200", "gaussian:25,jpeg:90:420"]) == (
        "gaussian:25,jpeg:90:420", "camera:3200")
    for spec in ("gaussian", "gaussian:10-30", "gaussian:25,jpeg", "gaussian:25,jpeg:90", "camera", "pixelate:2",
                 "gaussian:25+poisson:30"):
        with pytest.raises(ValueError, match="varies from photo to photo"):
            wp.check_noises([spec])
    with pytest.raises(ValueError, match="unknown noise model"):
        wp.check_noises(["blur:3"])


def test_spec_copies_are_deterministic_and_keep_the_gaussian_seeds(photo_dir: Path) -> None:
    photo = wp.prepare_photo(wp.folder_images(photo_dir)[0], 0)
    jpeg = wp.noisy_copy(photo, SPECS[0])
    assert torch.equal(jpeg, wp.noisy_copy(photo, SPECS[0])) and jpeg.dtype == torch.uint8
    assert not torch.equal(jpeg, wp.noisy_copy(photo, SPECS[0], seed=1))
    # A number is Gaussian sigma with the seed it always had, so earlier scores stay comparable.
    assert wp.noise_seed(photo.id, 25) == wp.noise_seed(photo.id, 25.0) != wp.noise_seed(photo.id, "gaussian:25")
    assert torch.equal(wp.noisy_copy(photo, 25), wp.noisy_copy(photo, 25.0))


def test_rows_carry_the_noise_and_sigma_given_is_the_noise_rms(photo_dir: Path) -> None:
    photos = wp.folder_images(photo_dir)
    calls: list = []
    result = wp.evaluate_photos(photos, {"blur": blur}, sigmas=(), noises=SPECS, size=0,
                                baselines=[fake_baseline(calls)], cache_dir=None, recorded=None, progress=False)
    assert {row["noise"] for row in result["rows"]} == set(SPECS) and all("sigma" not in row for row in result["rows"])
    assert result["settings"]["noises"] == list(SPECS) and result["settings"]["sigmas"] == []
    photo = wp.prepare_photo(photos[0], 0)
    noisy = wp.noisy_copy(photo, SPECS[0])
    assert calls[0] == pytest.approx(float((noisy.float() - photo.clean.float()).pow(2).mean().sqrt()))
    table = wp.format_table(result).splitlines()
    assert table[2] == f"| denoiser | {SPECS[0]} | {SPECS[1]} | s / photo |"
    assert "noise as headed" in table[0] and "higher is better" in table[0]
    both = wp.evaluate_photos(photos, {"blur": blur}, sigmas=(25,), noises=SPECS[:1], size=0, baselines=(),
                              cache_dir=None, progress=False)
    assert [wp.column_of(m) for m in both["means"] if m["denoiser"] == "blur"] == [25.0, SPECS[0]]


def test_spec_baseline_scores_are_cached_and_recorded(photo_dir: Path, tmp_path: Path) -> None:
    photos = wp.folder_images(photo_dir)
    calls: list = []
    kwargs = dict(sigmas=(), noises=SPECS[:1], size=0, baselines=[fake_baseline(calls)], progress=False)
    first = wp.evaluate_photos(photos, {}, cache_dir=tmp_path / "cache", recorded=None, **kwargs)
    assert len(calls) == 2
    again = wp.evaluate_photos(photos, {}, cache_dir=tmp_path / "cache", recorded=None, **kwargs)
    assert len(calls) == 2 and all(row["cached"] for row in again["rows"] if row["kind"] == "baseline")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "jpeg.json").write_text(json.dumps(first))
    recorded = wp.evaluate_photos(photos, {}, cache_dir=None, recorded=tmp_path / "results", **kwargs)
    assert len(calls) == 2 and {row.get("recorded") for row in recorded["rows"] if row["kind"] == "baseline"} == {"jpeg.json"}


def test_cli_noise_columns_bring_blind_bm3d(photo_dir: Path, monkeypatch, tmp_path: Path, capsys) -> None:
    given: list = []
    blind: list = []
    monkeypatch.setattr(wp, "BM3D", fake_baseline(given))
    estimated = fake_baseline(blind)
    monkeypatch.setattr(wp, "BM3D_ESTIMATED", wp.Baseline("BM3D (sigma estimated)", "fake_blind", estimated.make, estimated.version))
    monkeypatch.setattr(wp, "work_root", lambda: tmp_path)
    out = tmp_path / "jpeg.json"
    code = main(["evaluate", "--photos", str(photo_dir), "--models", "--noise", *SPECS, "--photo-size", "0",
                 "--json", str(out)])
    assert code == 0 and len(given) == len(blind) == 4
    table = capsys.readouterr().out
    assert f"| denoiser | {SPECS[0]} | {SPECS[1]} | s / photo |" in table and "| BM3D (sigma estimated) |" in table
    assert {row["noise"] for row in json.loads(out.read_text())["rows"]} == set(SPECS)


def test_cli_noise_errors(photo_dir: Path, capsys) -> None:
    assert main(["evaluate", "--photos", str(photo_dir), "--noise", "gaussian:25,jpeg"]) == 2
    assert "varies from photo to photo" in capsys.readouterr().err
    assert main(["evaluate", "--noise", "camera:800"]) == 2
    assert "add --photos" in capsys.readouterr().err
