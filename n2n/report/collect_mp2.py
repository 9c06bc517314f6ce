"""Every number of Report_2 (Miniproject_2, the from-scratch framework), collected from the results files.

:func:`collect` returns a JSON-serialisable dict; a section is None when its results file is
missing (``inputs["missing"]`` names the file), and the template then says so.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from n2n.report.common import (
    CONTEXT,
    SET_NAMES,
    data_counts,
    main_table,
    noisy_psnr,
    quality,
    training_log,
    whole_photo_means,
)
from n2n.report.inputs import ResultsReader

CURVE_POINTS = 200  # the per-step loss curves are stored as this many bin means (enough for a plot)


def setup() -> dict:
    """The shipped architecture and training configuration, read from Miniproject_2's code."""
    from Miniproject_2.model import DEFAULT_ARCH, DEFAULT_CONFIG
    from Miniproject_2.others.network import course_network

    network = course_network(tuple(DEFAULT_ARCH["widths"]), DEFAULT_ARCH["kernel_size"], DEFAULT_ARCH["upsampling"])
    return {"arch": {**DEFAULT_ARCH, "widths": list(DEFAULT_ARCH["widths"])},
            "params": sum(p.numel() for p, _ in network.param()), "config": asdict(DEFAULT_CONFIG)}


def bench(reader: ResultsReader) -> dict | None:
    found = reader.json("framework/step_benchmark.json")
    if not found:
        return None
    return {"batch": found.get("batch"), "runs": found.get("runs"), "median_ms": found.get("median_ms"),
            "ratio": found.get("ratio_framework_over_torch"), "memory_mib": found.get("peak_step_memory_mib"),
            "threads": found.get("machine", {}).get("threads"), "cpus": found.get("machine", {}).get("cpus")}


def is_shipped(row: dict, arch: dict, config: dict) -> bool:
    """Whether an ablation row trained the shipped architecture with the shipped training set-up."""
    return (row.get("widths") == "/".join(map(str, arch["widths"])) and row.get("kernel_size") == arch["kernel_size"]
            and row.get("upsampling") == arch["upsampling"] and row.get("optimizer") == config["optimizer"]
            and row.get("lr") == config["lr"] and row.get("batch_size") == config["batch_size"] and row.get("augment") == config["augment"])


def ablation(reader: ResultsReader, arch: dict, config: dict) -> dict | None:
    rows = reader.csv("miniproject_2/ablations.csv")
    if not rows:
        return None
    sets = [name for name in SET_NAMES if f"psnr_{name}" in rows[0]]
    kept = [{"variant": r["variant"], "params": r["params"], "train_seconds": r["train_seconds"], "final_loss": r["final_loss"],
             "psnr": {name: r[f"psnr_{name}"] for name in sets}, "chosen": is_shipped(r, arch, config)} for r in rows]
    base = kept[0]  # the script's first variant is the reference every other one changes one thing of
    worse = [r["variant"] for r in kept[1:] if r["psnr"].get("mixed", 0) < base["psnr"].get("mixed", 0)]
    first = rows[0]
    base_setup = {key: first.get(key) for key in ("widths", "kernel_size", "upsampling", "optimizer", "lr", "batch_size", "augment")}
    return {"sets": sets, "rows": kept, "base": base["variant"], "base_setup": base_setup, "worse_than_base": worse,
            "pairs": first.get("pairs"), "epochs": first.get("epochs"), "threads": first.get("threads")}


# Full-length runs of `n2n train --engine scratch --arch course` on the 50 000 pairs: set-up, per-epoch log.
FULL_RUNS = (
    ("batch 32, Adam 2e-3 (time on a shared CPU)", "miniproject_2/full_runs/b32_lr2e-3.csv"),
    ("batch 32, Adam 4e-3", "miniproject_2/full_runs/b32_lr4e-3.csv"),
    ("batch 32, Adam 6e-3", "miniproject_2/full_runs/b32_lr6e-3.csv"),
    ("batch 16, Adam 4e-3", "miniproject_2/full_runs/b16_lr4e-3.csv"),
    ("batch 16, Adam 4e-3, shipped", "miniproject_2/bestmodel_training.csv"),
)


def full_runs(reader: ResultsReader) -> list[dict]:
    """One row per full-length run found: epochs, best validation PSNR (the checkpoint kept), seconds."""
    logs = [(label, training_log(reader, relative)) for label, relative in FULL_RUNS]
    return [{"setup": label, **log} for label, log in logs if log is not None]


def parity(reader: ResultsReader, name: str = "parity.json") -> dict | None:
    """The parity run in ``results/miniproject_2/<name>`` (``parity.json``: float32; ``parity_float64.json``)."""
    found = reader.json(f"miniproject_2/{name}")
    if not found:
        return None
    epochs = [{"epoch": e["epoch"], **{engine: {"loss": e[engine]["loss"], "seconds": e[engine]["seconds"], "psnr": e[engine]["psnr"]}
                                        for engine in ("framework", "torch")}} for e in found.get("per_epoch", [])]
    return {"dtype": found.get("dtype", "float32"), "pairs": found.get("pairs"), "epochs": found.get("epochs"), "threads": found.get("threads"),
            "per_epoch": epochs, "final_psnr_difference_db": found.get("final_psnr_difference_db"),
            "seconds_per_epoch_ratio": found.get("seconds_per_epoch_ratio"),
            "control_minus_torch_db": found.get("final_psnr_control_minus_torch_db"),
            "config": found.get("config")}


def binned(values: list[float], points: int) -> list[float]:
    """Means of ``points`` consecutive, near-equal bins of ``values`` (all values when fewer)."""
    if len(values) <= points:
        return list(values)
    edges = [round(i * len(values) / points) for i in range(points + 1)]
    return [sum(values[a:b]) / (b - a) for a, b in zip(edges, edges[1:])]


def parity_steps(reader: ResultsReader) -> dict | None:
    rows = reader.csv("miniproject_2/parity_loss.csv")
    if not rows:
        return None
    framework = [float(r["framework_loss"]) for r in rows]
    torch_ = [float(r["torch_loss"]) for r in rows]
    relative = [abs(f - t) / max(abs(t), 1e-12) for f, t in zip(framework, torch_)]
    bins = min(CURVE_POINTS, len(rows))
    return {"steps": len(rows), "max_relative_difference": max(relative), "mean_relative_difference": sum(relative) / len(relative),
            "first_step_relative_difference": relative[0], "curve_bins": bins,
            "framework_curve": binned(framework, bins), "torch_curve": binned(torch_, bins)}


def unet(reader: ResultsReader) -> dict | None:
    found = reader.json("miniproject_2/unet_scratch_vs_torch.json")
    if not found:
        return None
    keys = ("arch", "pairs", "epochs", "threads", "trajectory_check", "gradient_precision", "psnr_before_training", "final_psnr",
            "final_psnr_scratch_minus_torch_db", "final_psnr_control_minus_torch_db", "seconds_per_epoch")
    result = {k: found.get(k) for k in keys}
    steps = found.get("train_step_seconds_batch32_3x32x32", {})
    result["step_median_s"] = {name: t["median_s"] for name, t in steps.items() if isinstance(t, dict) and "median_s" in t}
    return result


# The main table's rows: (label, crop-set method prefix, whole-photo denoiser prefix, highlighted); the crop-set
# baselines come from Miniproject_1's quality file.
MAIN_ROWS = [
    ("noisy input", "noisy input", "noisy input", False),
    ("NL-means", "NL-means", None, False),
    ("BM3D", "BM3D", "BM3D", False),
    ("Miniproject_2 shipped", "Miniproject_2 shipped", "Miniproject_2 shipped", True),
    ("Miniproject_1 shipped (U-Net)", "Miniproject_1 shipped", "Miniproject_1 shipped (", False),
]


def combined_quality(own: dict | None, baselines: dict | None) -> dict | None:
    """Miniproject_2's quality file with Miniproject_1's methods (baselines) after its own, on its own sets."""
    if own is None:
        return baselines
    extra = [m for m in (baselines or {}).get("methods", []) if m["method"] not in {o["method"] for o in own["methods"]}]
    return {**own, "methods": own["methods"] + extra}


def collect(results: str | Path, repo: str | Path) -> dict:
    """Report_2's numbers from the results folder ``results`` (and the code/data in ``repo``)."""
    reader = ResultsReader(results)
    arch_setup = setup()
    data = {
        "report": "Miniproject_2",
        "context": CONTEXT,
        "setup": arch_setup,
        "data": data_counts(Path(repo) / "data" / "manifest.json"),
        "noisy_psnr": noisy_psnr(reader),
        "quality": quality(reader, "miniproject_2/quality.json"),
        "mp1_quality": quality(reader, "miniproject_1/quality.json"),
        "bench": bench(reader),
        "ablation": ablation(reader, arch_setup["arch"], arch_setup["config"]),
        "full_runs": full_runs(reader),
        "finetune": reader.json("miniproject_2/finetune.json"),
        "parity": parity(reader),
        "parity64": parity(reader, "parity_float64.json"),
        "parity_steps": parity_steps(reader),
        "unet": unet(reader),
    }
    data["main_table"] = main_table(combined_quality(data["quality"], data["mp1_quality"]), whole_photo_means(reader), MAIN_ROWS)
    data["inputs"] = reader.inputs()
    return data
