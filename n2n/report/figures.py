"""The reports' charts, drawn with matplotlib (Agg backend) from the collected report data only.

Every function takes the section of the report data it plots and a target path, writes a PNG
atomically and returns True, or returns False (writing nothing) when the section is missing.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from n2n.fileio import atomic_write  # noqa: E402

FRAMEWORK, TORCH, GREY, ACCENT = "#1f77b4", "#ff7f0e", "#888888", "#d62728"
plt.rcParams.update({"font.size": 7, "axes.titlesize": 7.5, "axes.labelsize": 7, "legend.fontsize": 6.5,
                     "xtick.labelsize": 6.5, "ytick.labelsize": 6.5, "axes.spines.top": False, "axes.spines.right": False})


def save(figure, path: Path) -> bool:
    """Write ``figure`` as a PNG at ``path`` atomically (replacing an earlier build's file) and close it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=220, bbox_inches="tight", pad_inches=0.02, metadata={"Software": None})
    plt.close(figure)
    atomic_write(path, lambda file: file.write(buffer.getvalue()), overwrite=True)
    return True


def n2n_vs_n2c(gaussian: dict | None, path: Path) -> bool:
    """Validation PSNR per epoch of Noise2Noise and Noise2Clean (bars of the final PSNR when no per-epoch PSNR)."""
    runs = {k: gaussian[k] for k in ("n2n_raw", "n2n", "n2c") if gaussian and gaussian.get(k)}
    if not runs:
        return False
    figure, ax = plt.subplots(figsize=(3.1, 1.9))
    colours = {"n2n_raw": FRAMEWORK, "n2n": ACCENT, "n2c": TORCH}
    per_epoch = all(any("val_psnr" in h or "psnr" in h for h in run["history"]) for run in runs.values())
    if per_epoch:
        for key, run in runs.items():
            points = [(h["epoch"], h.get("val_psnr", h.get("psnr"))) for h in run["history"]]
            ax.plot(*zip(*points), "o-", color=colours[key], label=run["method"], ms=3)
        ax.set_xlabel("epoch")
    else:
        labels = ["noisy input"] + [run["method"] for run in runs.values()]
        first = next(iter(runs.values()))
        values = [first["noisy_psnr"]] + [run["val_psnr"] for run in runs.values()]
        bars = ax.bar(labels, values, color=[GREY] + [colours[k] for k in runs], width=0.6)
        ax.bar_label(bars, fmt="%.2f", fontsize=6.5)
        ax.set_ylim(min(values) - 1, max(values) + 0.8)
    ax.set_ylabel("PSNR on val_gaussian25 (dB)")
    ax.set_title(f"Gaussian σ=25: {first_budget(runs)}")
    if per_epoch:
        ax.legend(frameon=False, fontsize=6)
    return save(figure, path)


def first_budget(runs: dict) -> str:
    run = next(iter(runs.values()))
    return f"{run['pairs']} pairs × {run['epochs']} epoch(s), same seed"


def mp1_ablation(ablation: dict | None, path: Path) -> bool:
    """Validation PSNR against parameter count for each U-Net width x depth; the shipped one in red."""
    if not ablation:
        return False
    rows = ablation["rows"]
    figure, axes = plt.subplots(1, 2, figsize=(6.4, 1.9))
    for row in rows:
        colour = ACCENT if row["chosen"] else FRAMEWORK
        label = f"{row['width']}×{row['depth']}"
        axes[0].scatter(row["params"] / 1e3, row["val_psnr"], color=colour, s=14, zorder=3)
        axes[0].annotate(label, (row["params"] / 1e3, row["val_psnr"]), textcoords="offset points", xytext=(3, 2), fontsize=6)
    axes[0].set_xlabel("parameters (thousands)")
    axes[0].set_ylabel(f"PSNR on {rows[0]['val_set']} (dB)")
    axes[0].set_title(f"quality ({rows[0]['pairs']} pairs × {rows[0]['epochs']} epochs)")
    labels = [f"{r['width']}×{r['depth']}" for r in rows]
    colours = [ACCENT if r["chosen"] else FRAMEWORK for r in rows]
    axes[1].bar(labels, [r["train_seconds"] for r in rows], color=colours, width=0.6)
    axes[1].set_ylabel("training time (s)")
    axes[1].set_title(f"cost ({rows[0]['threads']} thread, shared CPU)")
    figure.tight_layout(w_pad=1.5)
    return save(figure, path)


def mp1_timing(timing: dict | None, path: Path) -> bool:
    """Each measured time (or memory) as a fraction of its target: bars under 1 meet the target."""
    if not timing:
        return False
    items = []
    if "train" in timing:
        items.append(("train, 1 epoch", timing["train"]["seconds"], timing["train"]["target_seconds"], "s"))
    for part, label in (("crops", "predict 1000 crops"), ("image_512", "predict 512×512")):
        if part in timing.get("predict", {}):
            p = timing["predict"][part]
            items.append((label, p["seconds"], p["target_seconds"], "s"))
    if "denoise" in timing:
        items.append(("4000×3000 peak RAM", timing["denoise"]["peak_rss_gib"], timing["denoise"]["target_gib"], "GiB"))
    if not items:
        return False
    figure, ax = plt.subplots(figsize=(3.1, 0.35 + 0.3 * len(items)))
    ratios = [value / target for _, value, target, _ in items]
    bars = ax.barh([i[0] for i in items], ratios, color=[FRAMEWORK if r <= 1 else ACCENT for r in ratios], height=0.6)
    ax.bar_label(bars, labels=[f"{v:.3g} {u} / {t:g} {u}" for _, v, t, u in items], fontsize=6, padding=2)
    ax.axvline(1, color=GREY, lw=0.8, ls="--")
    ax.set_xlim(0, max(1.0, max(ratios)) * 1.6)
    ax.invert_yaxis()
    ax.set_xlabel("measured / target")
    return save(figure, path)


def mp2_parity(parity: dict | None, steps: dict | None, path: Path) -> bool:
    """Framework vs torch twin: training loss per step (binned) and validation PSNR per epoch."""
    if not parity and not steps:
        return False
    panels = [p for p in (steps, parity) if p]
    figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 1.9), squeeze=False)
    axes = list(axes[0])
    if steps:
        ax = axes.pop(0)
        width = steps["steps"] / steps["curve_bins"]
        x = [(i + 0.5) * width for i in range(steps["curve_bins"])]
        ax.plot(x, steps["framework_curve"], color=FRAMEWORK, lw=1.4, label="framework")
        ax.plot(x, steps["torch_curve"], color=TORCH, lw=0.8, ls="--", label="torch.nn twin")
        ax.set_xlabel("training step")
        ax.set_ylabel("training loss (MSE)")
        ax.set_title(f"loss per step (mean of {width:.0f}-step bins)")
        ax.legend(frameon=False)
    if parity:
        ax = axes.pop(0)
        epochs = [e["epoch"] for e in parity["per_epoch"]]
        for engine, colour, style in (("framework", FRAMEWORK, "o-"), ("torch", TORCH, "s--")):
            ax.plot(epochs, [e[engine]["psnr"].get("mixed") for e in parity["per_epoch"]], style, color=colour, ms=3,
                    label="framework" if engine == "framework" else "torch.nn twin")
        ax.set_xlabel("epoch")
        ax.set_ylabel("PSNR on val_data, mixed (dB)")
        ax.set_xticks(epochs)
        ax.set_title(f"validation PSNR ({parity['pairs']} pairs per epoch)")
        ax.legend(frameon=False)
    figure.tight_layout(w_pad=1.5)
    return save(figure, path)


def mp2_ablation(ablation: dict | None, path: Path) -> bool:
    """Validation PSNR (mixed noise) and training time of every variant; the shipped one in red."""
    if not ablation:
        return False
    rows = ablation["rows"]
    set_name = "mixed" if "mixed" in ablation["sets"] else ablation["sets"][0]
    figure, axes = plt.subplots(1, 2, figsize=(6.4, 0.45 + 0.125 * len(rows)), sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    labels = [r["variant"] for r in rows]
    colours = [ACCENT if r["chosen"] else FRAMEWORK for r in rows]
    values = [r["psnr"][set_name] for r in rows]
    bars = axes[0].barh(labels, values, color=colours, height=0.65)
    axes[0].bar_label(bars, fmt="%.2f", fontsize=6, padding=2)
    axes[0].axvline(rows[0]["psnr"][set_name], color=GREY, lw=0.8, ls="--")
    axes[0].set_xlim(min(values) - 0.6, max(values) + 0.5)
    axes[0].set_xlabel(f"PSNR on val_data, {set_name} (dB)")
    axes[0].invert_yaxis()
    axes[1].barh(labels, [r["train_seconds"] for r in rows], color=colours, height=0.65)
    axes[1].set_xlabel(f"training time (s, {ablation['threads']} thread)")
    figure.tight_layout(w_pad=1.0)
    return save(figure, path)


def mp2_speed(bench: dict | None, unet: dict | None, path: Path) -> bool:
    """Median training-step time, framework vs torch twin: the course network and (if measured) the U-Net."""
    groups = []
    if bench and bench.get("median_ms"):
        groups.append((f"course network\nbatch {bench['batch']}", bench["median_ms"].get("framework"), bench["median_ms"].get("torch")))
    if unet and unet.get("step_median_s"):
        s = unet["step_median_s"]
        if s.get("scratch") is not None and s.get("torch") is not None:
            groups.append(("Miniproject_1 U-Net\nbatch 32", s["scratch"] * 1e3, s["torch"] * 1e3))
    if not groups:
        return False
    figure, ax = plt.subplots(figsize=(3.1, 1.9))
    x = range(len(groups))
    left = ax.bar([i - 0.18 for i in x], [g[1] for g in groups], width=0.34, color=FRAMEWORK, label="framework")
    right = ax.bar([i + 0.18 for i in x], [g[2] for g in groups], width=0.34, color=TORCH, label="torch.nn + autograd")
    ax.bar_label(left, fmt="%.0f", fontsize=6)
    ax.bar_label(right, fmt="%.0f", fontsize=6)
    ax.set_xticks(list(x), [g[0] for g in groups])
    ax.set_ylabel("median training step (ms)")
    ax.set_ylim(0, max(max(g[1], g[2]) for g in groups) * 1.25)
    ax.legend(frameon=False)
    return save(figure, path)
