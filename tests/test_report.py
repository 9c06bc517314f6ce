"""The report build: both PDFs from a small results fixture (all files present, and none), at most 3
pages; and the committed report data matching the committed results files."""

import csv
import json
from pathlib import Path

import pytest
import torch

from n2n.data.images import write_image

for module in ("typst", "matplotlib", "pypdf"):
    pytest.importorskip(module, reason=f"the report toolchain ({module}) is not installed: pip install 'n2n[report]'")

from n2n.report import details  # noqa: E402
from n2n.report.build import MAX_PAGES, MAX_WORDS, MIN_BODY_PT, MIN_SMALL_PT, REPO, build_reports, collect, limits_broken  # noqa: E402
from n2n.report.measure import measure  # noqa: E402

SETS = ["mixed", "gaussian25", "poisson", "pixelate"]


def write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def full_fixture(root: Path) -> Path:
    """Every results file the reports read, with made-up numbers in the writers' formats."""
    files = {"val_data.pkl": "mixed", "val_gaussian25.pkl": "gaussian25", "val_poisson.pkl": "poisson", "val_pixelate.pkl": "pixelate"}
    write_json(root / "data/noisy_psnr.json", {"sets": {f: {"noisy_psnr_db": 21.0 + i, "count": 1000} for i, f in enumerate(files)}})
    quality = {s: {"images": 1000, "rows": [
        {"method": "noisy input", "psnr": 21.0, "psnr_subset": 21.1, "subset": 50},
        {"method": "NL-means (sigma estimated)", "psnr": 26.0, "psnr_subset": 26.1, "subset": 50},
        {"method": "BM3D (sigma estimated)", "psnr_subset": 27.5, "subset": 50},
        {"method": "Miniproject_1 shipped (N2N, mixed noise)", "psnr": 28.0, "psnr_subset": 28.1, "subset": 100},
        {"method": "Miniproject_1, Model.train 1 epoch (mixed noise)", "psnr": 27.8, "psnr_subset": 27.9, "subset": 100},
        {"method": "Noise2Noise (Gaussian-trained)", "psnr": 28.4, "psnr_subset": 28.3, "subset": 100},
        {"method": "Noise2Clean (Gaussian-trained)", "psnr": 28.5, "psnr_subset": 28.4, "subset": 100}]} for s in SETS}
    write_json(root / "miniproject_1/quality.json", quality)
    for key, method, value in (("n2n_raw", "Noise2Noise (zero-mean targets)", 28.45), ("n2n", "Noise2Noise (clipped targets)", 28.2),
                               ("n2c", "Noise2Clean", 28.5)):
        write_json(root / f"miniproject_1/gaussian25_{key}.json", {
            "method": method, "pairs": 50000, "epochs": 3, "threads": 1, "train_seconds": 900.0, "val_psnr": value, "noisy_psnr": 20.98,
            "history": [{"epoch": e, "loss": 0.02, "seconds": 300.0, "val_psnr": value - 1 + e / 3} for e in (1, 2, 3)]})
    write_json(root / "miniproject_1/gaussian25_clip_bias.json", {
        "mean_squared_bias": 16.0, "n2c_psnr": 30.9, "n2c_plus_clip_bias_psnr": 29.2, "estimated_cost_db": -1.7})
    write_csv(root / "miniproject_1/ablations.csv", [
        {"width": w, "depth": d, "params": p, "pairs": 4000, "epochs": 2, "batch_size": 32, "lr": 0.002, "threads": 1, "train_seconds": t,
         "train_seconds_per_50k_epoch": t * 6, "predict_512_seconds": 0.7, "val_set": "val_data.pkl", "val_psnr": v, "noisy_psnr": 22.1}
        for w, d, p, t, v in ((16, 2, 24051, 27.0, 26.1), (32, 3, 131139, 104.0, 26.4), (40, 3, 204243, 226.0, 26.3), (48, 2, 210387, 112.0, 26.7))])
    write_csv(root / "miniproject_1/photo_ablation.csv", [
        {"arch": arch, "params": params, "kmac_per_pixel": kmac, "steps": 500, "batch_size": 8, "crop": 96, "lr": 0.001, "threads": 2,
         "train_seconds": 200.0, "wall_seconds": 220.0, "predict_512_seconds": 0.5,
         **{f"{kind}_sigma{sigma}": value + sigma / 10 for sigma in (15, 25, 50) for kind, value in (("noisy", 20.0), ("bm3d", 30.0), ("photo", quality_))},
         **{f"crops_{s}": quality_ - 4 for s in SETS}}
        for arch, params, kmac, quality_ in (("32x3", 131139, 50.4, 29.0), ("40x5", 319683, 78.9, 29.4), ("48x4", 376563, 112.9, 29.45))])
    for stem, checkpoint, shift in (("cycle6", "runs/c6/model.epoch010.pth", 0.0), ("cycle9", "runs/c9/model.epoch012.pth", -0.02),
                                    ("n2c_cycle1", "runs/n2c/model.epoch012.pth", 0.01)):
        crops = "cycle6_epoch10_crops" if stem == "cycle6" else "cycle9_epoch12_crops" if stem == "cycle9" else "n2c_cycle1_crops"
        write_json(root / f"whole_photos/{stem}_epochs.json", {"settings": {"sigmas": [15.0, 25.0, 50.0]}, "means": [
            {"denoiser": checkpoint, "kind": "network", "sigma": sigma, "psnr": 30.0 + sigma / 10 + shift} for sigma in (15.0, 25.0, 50.0)]})
        write_json(root / f"whole_photos/{crops}.json", [{"denoiser": name, "val_set": s, "psnr": value + shift * (s == "pixelate") * 10, "images": 1000}
                                                         for s in SETS for name, value in (("noisy input", 21.0), (checkpoint, 28.0))])
    machine = {"torch_threads": 2}
    write_json(root / "miniproject_1/timing.json", {
        "train": {"pairs": 50000, "num_epochs": 1, "seconds": 480.0, "process_cpu_seconds": 700.0, "target_seconds": 600, "val_psnr_after": 27.9, "met": True, "machine": machine},
        "predict": {"crops": {"shape": [1000, 3, 32, 32], "seconds": 1.2, "target_seconds": 5, "met": True},
                    "image_512": {"shape": [1, 3, 512, 512], "seconds": 0.8, "target_seconds": 2, "met": True}, "machine": machine},
        "denoise_4000x3000": {"seconds": 60.0, "peak_rss_gib": 1.5, "target_gib": 4, "met": True, "machine": machine}})
    write_json(root / "whole_photos/quality.json", {
        "settings": {"sigmas": [15.0, 25.0, 50.0], "size": 512}, "photos": [{"id": f"p{i}"} for i in range(6)], "date": "2026-11-24",
        "means": [{"denoiser": name, "sigma": sigma, "psnr": value + sigma / 10}
                  for name, value in (("noisy input", 20.0), ("BM3D (sigma given)", 30.0), ("Miniproject_1 shipped (U-Net)", 29.5))
                  for sigma in (15.0, 25.0, 50.0)]})
    write_json(root / "whole_photos/figure.json", {
        "photo": "p0", "sigma": 25.0, "size": [512, 768], "window": {"top": 0, "left": 0, "size": 128, "zoom": 2},
        "panels": ["noisy input", "BM3D (σ given)", "Miniproject_1 shipped", "clean"],
        "psnr": {"noisy input": 20.8, "BM3D (σ given)": 30.0, "Miniproject_1 shipped": 29.8}, "model_sha256": "0" * 64})
    write_image(torch.full((1, 3, 64, 262), 128, dtype=torch.uint8), root / "whole_photos/figure.png")
    write_json(root / "framework/step_benchmark.json", {
        "batch": 64, "runs": 20, "median_ms": {"framework": 30.0, "torch": 25.0}, "ratio_framework_over_torch": 1.2,
        "peak_step_memory_mib": {"framework": 20.0, "torch": 25.0}, "machine": {"threads": 2, "cpus": 2}})
    variants = ["base 32/64 k3 nearest adam b32", "widths 16/32", "widths 48/96", "widths 64/128", "widths 96/96", "kernel 5",
                "transposed conv upsampling", "sgd momentum 0.9 lr 0.05", "sgd momentum 0.9 lr 0.2", "adam lr 1e-3", "adam lr 4e-3",
                "batch 16", "batch 64 lr 3e-3", "no augmentation"]
    write_csv(root / "miniproject_2/ablations.csv", [
        {"variant": v, "widths": "64/128" if v == "widths 64/128" else "32/64", "kernel_size": 3, "upsampling": "nearest", "optimizer": "adam",
         "lr": 0.002, "batch_size": 32, "augment": True, "params": 38723, "pairs": 20000, "epochs": 2, "threads": 1, "train_seconds": 150.0 + i,
         "final_loss": 0.011, **{f"psnr_{s}": 25.0 + 0.1 * (i % 5) - 0.2 for s in SETS}} for i, v in enumerate(variants)])
    epoch = lambda e, shift: {"loss": 0.012 - e * 1e-4, "seconds": 400.0, "psnr": {s: 25.0 + e * 0.3 + shift for s in SETS}}  # noqa: E731
    write_json(root / "miniproject_2/parity.json", {
        "pairs": 50000, "epochs": 3, "threads": 2, "per_epoch": [{"epoch": e, "framework": epoch(e, 0.001), "torch": epoch(e, 0.0)} for e in (1, 2, 3)],
        "final_psnr_difference_db": {s: 0.001 for s in SETS}, "seconds_per_epoch_ratio": 1.1})
    write_json(root / "miniproject_2/parity_float64.json", {
        "dtype": "float64", "pairs": 50000, "epochs": 2, "threads": 1,
        "per_epoch": [{"epoch": e, "framework": epoch(e, 0.0), "torch": epoch(e, 0.0)} for e in (1, 2)],
        "final_psnr_difference_db": {s: 0.0 for s in SETS}, "seconds_per_epoch_ratio": 0.9})
    write_csv(root / "miniproject_2/parity_loss.csv", [{"step": i, "framework_loss": 0.02 - i * 1e-6, "torch_loss": 0.02 - i * 1e-6 + 1e-8} for i in range(500)])
    write_json(root / "miniproject_2/unet_scratch_vs_torch.json", {
        "arch": {"width": 32, "depth": 3}, "pairs": 10000, "epochs": 2, "threads": 1,
        "train_step_seconds_batch32_3x32x32": {"scratch": {"median_s": 0.09}, "torch": {"median_s": 0.07}, "torch_channels_last": {"median_s": 0.06}},
        "trajectory_check": {"steps": 20, "batch_size": 8, "max_relative_weight_difference": {"float64": "3.1e-14", "float32": "2.0e-04"}},
        "gradient_precision": {"batch_size": 32, "max_relative_gradient_error_vs_torch_float64": {
            "scratch_float64": "7.6e-15", "torch_float32": "5.9e-06", "scratch_float32": "1.4e-06"}},
        "psnr_before_training": {s: 21.0 for s in SETS}, "final_psnr": {"scratch": {s: 26.0 for s in SETS}, "torch": {s: 26.0 for s in SETS}},
        "final_psnr_scratch_minus_torch_db": {s: 0.01 for s in SETS}, "final_psnr_control_minus_torch_db": {s: -0.01 for s in SETS},
        "seconds_per_epoch": {"scratch": 200.0, "torch": 150.0}})
    finetune = {"pretrained_lr": 2e-4, "runs": [{"lr": lr, "psnr_before": 29.0, "psnr_after": after, "seconds": 80.0}
                                                for lr, after in ((2e-3, 28.9), (2e-4, 29.1))]}
    write_json(root / "miniproject_1/finetune.json", finetune)
    write_json(root / "miniproject_2/finetune.json", finetune)
    write_csv(root / "miniproject_1/bestmodel_training.csv", [{"epoch": e, "loss": 0.01, "val_psnr": 28.0 + 0.1 * e, "lr": 0.001, "seconds": 80.0}
                                                              for e in (1, 2, 3)])
    write_csv(root / "miniproject_1/shipped_training.csv", [{"epoch": e, "loss": 0.01, "val_psnr": 29.0, "val_photos_psnr": 33.0 + 0.1 * e,
                                                             "lr": 0.0005, "seconds": 220.0} for e in (1, 2, 3)])
    for cycle in (2, 3):
        write_csv(root / f"miniproject_1/shipped_training_cycle{cycle}.csv", [
            {"epoch": e, "loss": 0.01, "val_psnr": 29.1, "val_photos_psnr": 33.3 + 0.1 * cycle - 0.01 * e, "lr": 5e-5, "seconds": 230.0}
            for e in (1, 2)])
    write_json(root / "miniproject_1/shipped_epochs.json", {"cycles": {"3": {"epoch": 2, "rule": "last epoch"}}})
    write_json(root / "whole_photos/reserved.json", {
        "photos": [{"id": "skimage/astronaut"}], "settings": {"sigmas": [25.0]},
        "means": [{"denoiser": name, "sigma": 25.0, "psnr": value}
                  for name, value in (("BM3D (sigma given)", 30.0), ("Miniproject_1 shipped", 29.6))]})
    for name in ("full_runs/b32_lr2e-3", "full_runs/b32_lr4e-3", "full_runs/b32_lr6e-3", "full_runs/b16_lr4e-3", "bestmodel_training"):
        write_csv(root / f"miniproject_2/{name}.csv", [{"epoch": e, "loss": 0.011, "val_psnr": 26.0 + 0.2 * e, "lr": 0.004, "seconds": 90.0}
                                                       for e in (1, 2, 3)])
    write_json(root / "miniproject_2/quality.json", {s: {"images": 1000, "rows": [
        {"method": "noisy input", "psnr": 21.0}, {"method": "Miniproject_2 shipped (course network, N2N, mixed noise)", "psnr": 25.9}]} for s in SETS})
    return root


def identity(images):
    return images.float()


def test_reports_from_full_fixture_fit_in_three_pages(tmp_path):
    results = full_fixture(tmp_path / "results")
    built = build_reports(results, tmp_path / "out", tmp_path / "build", sample_count=2, denoisers={1: identity, 2: identity})
    for report in built:
        assert report["pdf"].read_bytes().startswith(b"%PDF")
        assert 1 <= report["pages"] <= MAX_PAGES, report
        assert report["missing"] == []
        data = json.loads(report["data"].read_text())
        assert data["build"]["pages"] == report["pages"]
        assert data["build"]["samples"]["crops_figure"] and data["build"]["samples"]["photo_figure"]
        assert all(data["build"]["figures"].values())
        assert limits_broken(data["build"]["layout"]) == [], data["build"]["layout"]
        if data["results"]["report"] == "Miniproject_2":
            assert [run["val_psnr"] for run in data["results"]["full_runs"]] == [26.6] * 5
        else:
            shipped = next(row for row in data["results"]["main_table"]["rows"] if row["highlight"])
            assert shipped["crops"]["mixed"] == {"psnr": 28.0, "subset": None, "method": "Miniproject_1 shipped (N2N, mixed noise)"}
            bm3d = next(row for row in data["results"]["main_table"]["rows"] if row["label"] == "BM3D")
            assert bm3d["crops"]["mixed"]["subset"] == 50 and bm3d["photos"]["σ = 25"] == pytest.approx(32.5)
            after = data["results"]["after_shipping"]
            assert [run["label"] for run in after["runs"]] == ["the shipped recipe once more (9th cycle)", "clean targets (Noise2Clean control)"]
            assert after["noise2clean_minus_noise2noise_crops"]["pixelate"] == pytest.approx(0.3)
    assert {r["pdf"].name for r in built} == {"Report_1.pdf", "Report_2.pdf"}
    page = (tmp_path / "out" / details.PAGE).read_text()
    assert "## Miniproject 1" in page and "## Miniproject 2" in page and "Not available" not in page.split("## Miniproject 2")[1]
    assert "| **40×5** (shipped) | 319683 |" in page


def test_reports_build_without_any_results_and_say_so(tmp_path):
    (tmp_path / "results").mkdir()
    built = build_reports(tmp_path / "results", tmp_path / "out", tmp_path / "build", sample_count=0)
    for report in built:
        assert 1 <= report["pages"] <= MAX_PAGES
        data = json.loads(report["data"].read_text())
        assert "data/noisy_psnr.json" in data["results"]["inputs"]["missing"]
        assert not any(data["build"]["figures"].values())
        assert data["results"]["ablation"] is None


def test_measure_reads_pages_words_and_type_sizes(tmp_path):
    import typst

    source = tmp_path / "sizes.typ"
    source.write_text('#set page(width: 10cm, height: 6cm)\n#set text(size: 10pt)\nOne two three four five six.\n'
                      '#text(size: 7pt)[Seven eight.]\n#pagebreak()\nNine ten.\n')
    found = measure(typst.compile(str(source)))
    assert (found["pages"], found["words"], found["body_pt"], found["smallest_pt"]) == (2, 10, 10.0, 7.0)
    assert set(found["type_sizes"]) == {"7.0", "10.0"}
    assert limits_broken(found) == [f"type as small as 7.0 pt, under {MIN_SMALL_PT} pt"]


@pytest.mark.parametrize("number", [1, 2])
def test_committed_reports_are_legible_and_short(number):
    pdf = REPO / f"Miniproject_{number}" / f"Report_{number}.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf} not built yet")
    layout = measure(pdf.read_bytes())
    assert layout["pages"] <= MAX_PAGES and layout["words"] <= MAX_WORDS, layout
    assert layout["body_pt"] >= MIN_BODY_PT and layout["smallest_pt"] >= MIN_SMALL_PT, layout


def test_committed_details_page_matches_committed_results():
    page = REPO / details.PAGE
    if not page.is_file():
        pytest.skip(f"{page} not built yet")
    assert page.read_text() == details.render(collect(1, REPO / "results"), collect(2, REPO / "results")), \
        f"{page} is stale: rebuild it with `n2n report`"


@pytest.mark.parametrize("number", [1, 2])
def test_committed_report_data_matches_committed_results(number):
    committed = REPO / f"Miniproject_{number}" / "report_data.json"
    if not committed.is_file():
        pytest.skip(f"{committed} not built yet")
    stored = json.loads(committed.read_text())["results"]
    # Through JSON, as stored: the comparison is of the numbers the PDF shows.
    assert stored == json.loads(json.dumps(collect(number, REPO / "results"))), \
        f"{committed} is stale: rebuild the reports with `n2n report`"


def test_shipped_cycles_follow_the_chain_and_stop_at_a_gap(tmp_path):
    from n2n.report.collect_mp1 import SHIPPED_EPOCHS, shipped_cycles
    from n2n.report.inputs import ResultsReader

    for cycle in (2, 3, 5):  # no cycle 4: cycle 5 cannot have started from it
        write_csv(tmp_path / f"miniproject_1/shipped_training_cycle{cycle}.csv",
                  [{"epoch": e, "loss": 0.01, "val_psnr": 29.0 + e, "val_photos_psnr": 33.0 + e % 2, "lr": 5e-5, "seconds": 100.0} for e in (1, 2, 3)])
    cycles = shipped_cycles(ResultsReader(tmp_path))
    assert [(c["cycle"], c["epochs"], c["kept_epoch"], c["picked_by_score"], c["seconds"]) for c in cycles] == [
        (2, 3, 1, True, 300.0), (3, 3, 1, True, 300.0)]
    assert shipped_cycles(ResultsReader(tmp_path / "none")) == []

    write_json(tmp_path / SHIPPED_EPOCHS, {"cycles": {"3": {"epoch": 3, "rule": "last epoch"}}})
    cycles = shipped_cycles(ResultsReader(tmp_path))
    assert (cycles[1]["kept_epoch"], cycles[1]["picked_by_score"], cycles[1]["rule"], cycles[1]["val_psnr"]) == (3, False, "last epoch", 32.0)
    write_json(tmp_path / SHIPPED_EPOCHS, {"cycles": {"3": {"epoch": 7, "rule": "last epoch"}}})
    with pytest.raises(ValueError, match="no epoch 7"):
        shipped_cycles(ResultsReader(tmp_path))


def test_whole_photo_margins_keep_to_what_n2n_denoise_writes() -> None:
    from n2n.report.collect_mp1 import margins_over_bm3d, short_label

    names = ["BM3D (sigma given)", "Miniproject_1 shipped (U-Net 40×5, blind)", "Miniproject_1 shipped, x8 ensemble (`--ensemble`)",
             "Miniproject_1 shipped, without the grey step (`--grey no`)"]
    found = {"settings": {"sigmas": [25.0]},
             "means": [{"denoiser": name, "sigma": 25.0, "psnr": 30.0 + i} for i, name in enumerate(names)]}
    margins = margins_over_bm3d(found)
    assert [m["label"] for m in margins] == ["Miniproject_1 shipped", "Miniproject_1 shipped, x8 ensemble (`--ensemble`)"]
    assert [m["margins"]["σ = 25"] for m in margins] == [1.0, 2.0]
    assert short_label("Miniproject_1 shipped (x8 ensemble)") == "Miniproject_1 shipped (x8 ensemble)"
    assert short_label("Miniproject_2 shipped") == "Miniproject_2 shipped"
