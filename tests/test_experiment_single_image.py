"""``python -m experiments.single_image --quick`` on tiny photos: both parts write their JSON."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from experiments import single_image
from experiments.adapt_noise import CONDITIONS, noisy_photo
from n2n.data.images import write_image
from n2n.report.single_image_results import BM3D_ROW, summarise_training
from tests.mp1_helpers import smooth_images, write_course_files


def test_noise_conditions_are_deterministic_and_distinct() -> None:
    clean = (smooth_images(1, size=32, seed=0)).round().to(torch.uint8)
    copies = {condition: noisy_photo(clean, "p", condition) for condition in CONDITIONS}
    assert all(torch.equal(copies[c], noisy_photo(clean, "p", c)) for c in CONDITIONS)
    assert len({bytes(copy.numpy()) for copy in copies.values()}) == len(CONDITIONS)
    varying = (copies["varying5-50"].float() - clean.float())
    assert varying[..., :4].std() < varying[..., -4:].std()  # sigma grows from left to right


def test_quick_run_writes_both_tables(tmp_path: Path) -> None:
    photos, val_photos = tmp_path / "photos", tmp_path / "val_photos"
    for i in range(2):
        write_image(smooth_images(1, size=64, seed=i), photos / f"p{i}.png")
        write_image(smooth_images(1, size=64, seed=10 + i), val_photos / f"v{i}.png")
    _, val = write_course_files(tmp_path, pairs=4, val=4)
    out = tmp_path / "results"
    threads = torch.get_num_threads()
    try:
        assert single_image.main(["--quick", "--photos", str(photos), "--val-photos", str(val_photos), "--val", str(val),
                                  "--noises", "gaussian:25", "--threads", "1", "--out-dir", str(out),
                                  "--work", str(tmp_path / "work"), "--crop-limit", "4", "--quiet"]) == 0
    finally:
        torch.set_num_threads(threads)
    training = json.loads((out / "training.json").read_text())
    assert [run["target"] for run in training["runs"]] == ["clean", "noisy"] + ["single"] * 8
    assert [run["crop_size"] for run in training["runs"]] == [32, 32, 32, 64, 32, 64, 32, 64, 64, 64]
    assert [run["single_targets"] for run in training["runs"]] == [None, None, "unclipped", "unclipped"] + ["clipped"] * 6
    assert [run["single_loss"] for run in training["runs"]] == ["l2"] * 6 + ["l1"] * 2 + ["l2", "l1"]
    assert [run["single_gamma"] for run in training["runs"]] == [None, None] + [2.0] * 6 + [0.5, 0.5]
    stream = torch.load(Path(training["runs"][-1]["checkpoint"]).with_name("gaussian25_single_l1_gamma0p5_crop2x.last.pth"),
                        weights_only=True)["stream"]
    assert stream["gamma"] == 0.5 and stream["loss"] == "l1" and stream["targets"] == "clipped"
    assert training["settings"]["steps"] == 4
    names = {row["denoiser"] for row in training["whole_photos"]["rows"]}
    assert "noisy input" in names and "Neighbor2Neighbor (single image), gaussian:25" in names
    assert {row["val_set"] for row in training["crop_sets"]} >= {"mixed", "gaussian25"}
    adapted = json.loads((out / "adapt.json").read_text())
    assert {row["condition"] for row in adapted["rows"]} == set(CONDITIONS) and len(adapted["rows"]) == 2 * len(CONDITIONS)
    assert all(row["steps"] == 2 and row["adapt_seconds"] > 0 for row in adapted["rows"])
    assert len(adapted["means"]) == len(CONDITIONS)
    for row in adapted["rows"]:  # --adapt blends the copy in where the self-check kept it, else the shipped network alone
        assert row["score_before"] > 0 and row["score_after"] > 0
        assert row["kept"] == (row["score_after"] < row["score_before"])
        assert row["weight"] == (0.5 if row["kept"] else 0.0)
        if not row["kept"]:
            assert abs(row["adapted_psnr"] - row["shipped_psnr"]) < 1e-6
    assert adapted["timing_1mp"] is None  # --quick skips the 1-megapixel timing
    summary = summarise_training(training)
    assert [row["denoiser"] for row in summary] == ["Noise2Clean", "Noise2Noise", "Neighbor2Neighbor (single image)",
                                                     "Neighbor2Neighbor (single image), 2x crops",
                                                     "Neighbor2Neighbor (single image), clipped targets",
                                                     "Neighbor2Neighbor (single image), 2x crops, clipped targets",
                                                     "Neighbor2Neighbor (single image), clipped targets, L1",
                                                     "Neighbor2Neighbor (single image), 2x crops, clipped targets, L1",
                                                     "Neighbor2Neighbor (single image), 2x crops, clipped targets, γ 0.5",
                                                     "Neighbor2Neighbor (single image), 2x crops, clipped targets, L1, γ 0.5",
                                                     BM3D_ROW, "noisy input"]
    crops = {(row["denoiser"], row["val_set"]): row["psnr"] for row in training["crop_sets"]}
    assert summary[1]["crops"] == crops[("Noise2Noise, gaussian:25", "gaussian25")]
    assert summary[10]["crops"] is None and summary[10]["photos"] == {}  # --quick runs no BM3D
    noisy_means = {m["sigma"]: m["psnr"] for m in training["whole_photos"]["means"] if m["denoiser"] == "noisy input"}
    assert summary[11]["photos"] == noisy_means and set(noisy_means) == {25.0}
    from n2n.report.collect_mp1 import single_image_gaps

    gaps = single_image_gaps(training)
    assert [gap["variant"] for gap in gaps] == ["same crops", "2x crops", "2x crops, clipped targets, L1",
                                                "2x crops, clipped targets, γ 0.5", "2x crops, clipped targets, L1, γ 0.5"]
    assert gaps[3]["photos_25"] == summary[8]["photos"][25.0] - summary[1]["photos"][25.0]
    assert gaps[2]["photos_25"] == summary[7]["photos"][25.0] - summary[1]["photos"][25.0]
    table = single_image.training_table(training)
    assert "| gaussian:25 | Neighbor2Neighbor (single image) |" in table and "whole photos σ = 25" in table


def test_methods_option_trains_only_the_chosen_runs(tmp_path: Path) -> None:
    photos, val_photos = tmp_path / "photos", tmp_path / "val_photos"
    for i in range(2):
        write_image(smooth_images(1, size=64, seed=i), photos / f"p{i}.png")
    write_image(smooth_images(1, size=64, seed=10), val_photos / "v0.png")
    _, val = write_course_files(tmp_path, pairs=4, val=4)
    out = tmp_path / "results"
    threads = torch.get_num_threads()
    try:
        assert single_image.main(["--quick", "--part", "training", "--methods", "noisy", "single-2x", "--photos", str(photos),
                                  "--val-photos", str(val_photos), "--val", str(val), "--noises", "gaussian+poisson",
                                  "--threads", "1", "--out-dir", str(out), "--work", str(tmp_path / "work"),
                                  "--crop-limit", "4", "--quiet"]) == 0
    finally:
        torch.set_num_threads(threads)
    training = json.loads((out / "training.json").read_text())
    assert [(run["method"], run["crop_size"]) for run in training["runs"]] == [
        ("Noise2Noise", 32), ("Neighbor2Neighbor (single image), 2x crops", 64)]
    assert training["settings"]["methods"] == ["noisy", "single-2x"] and not (out / "adapt.json").exists()
    assert [row["denoiser"] for row in summarise_training(training)][:2] == [
        "Noise2Noise", "Neighbor2Neighbor (single image), 2x crops"]
