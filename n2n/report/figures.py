"""The reports' charts, drawn with matplotlib (Agg backend) from the collected report data only.

Every function takes the sections of the report data it plots and a target path, writes a PNG
atomically and returns True, or returns False (writing nothing) when its data is missing.

Each chart is drawn at the width the report prints it (``TEXT_WIDTH`` inches for the full text width,
a fraction of it beside text), so its font sizes (8-9 pt) are the sizes on the page.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from n2n.fileio import atomic_write  # noqa: E402

FRAMEWORK, TORCH, GREY, ACCENT = "#1f77b4", "#ff7f0e", "#888888", "#d62728"
TEXT_WIDTH = 17.0 / 2.54  # inches: the reports' text width (common.typ: A4 less 2 cm margins)
SIDE_WIDTH = 0.46 * TEXT_WIDTH  # a chart set beside a column of text (common.typ: side-by-side)
plt.rcParams.update({"font.size": 8.5, "axes.titlesize": 9, "axes.labelsize": 8.5, "legend.fontsize": 8,
                     "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False,
                     "font.family": "DejaVu Sans"})


def save(figure, path: Path) -> bool:
    """Write ``figure`` as a PNG at ``path`` atomically (replacing an earlier build's file) and close it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=220, bbox_inches="tight", pad_inches=0.02, metadata={"Software": None})
    plt.close(figure)
    atomic_write(path, lambda file: file.write(buffer.getvalue()), overwrite=True)
    return True


def targets_panel(ax, gaussian: dict) -> None:
    """Validation PSNR per epoch of Noise2Noise (zero-mean targets) and Noise2Clean, same network and batches."""
    styles = {"n2n_raw": (FRAMEWORK, "o-", "noisy targets"), "n2n": (GREY, "^:", "clipped noisy targets"),
              "n2c": (TORCH, "s--", "clean targets")}
    for key, (colour, style, label) in styles.items():
        run = gaussian.get(key)
        if run and run["history"]:
            points = [(h["epoch"], h.get("val_psnr", h.get("psnr"))) for h in run["history"]]
            ax.plot(*zip(*points), style, color=colour, label=label, ms=3.5, lw=1.2)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch")
    ax.set_ylabel("val_gaussian25 PSNR (dB)")
    ax.set_title("(a) noisy vs clean targets")
    ax.legend(frameon=False, loc="lower right")


def size_panel(ax, photo_ablation: dict) -> None:
    """Whole-photo PSNR (sigma 25) against the cost per pixel of each U-Net size; the shipped size in red."""
    sigma = "σ = 25" if "σ = 25" in photo_ablation["sigmas"] else photo_ablation["sigmas"][0]
    for row in photo_ablation["rows"]:
        colour = ACCENT if row["chosen"] else FRAMEWORK
        ax.scatter(row["kmac_per_pixel"], row["photos"][sigma], color=colour, s=22, zorder=3)
        ax.annotate(row["label"], (row["kmac_per_pixel"], row["photos"][sigma]), textcoords="offset points", xytext=(4, -9 if row["chosen"] else 3),
                    fontsize=8, color=colour)
    values = [row["photos"][sigma] for row in photo_ablation["rows"]]
    ax.set_ylim(min(values) - 0.08, max(values) + 0.08)
    costs = [row["kmac_per_pixel"] for row in photo_ablation["rows"]]
    ax.set_xlim(min(costs) - 8, max(costs) + 22)
    ax.set_xlabel("k multiply-adds per pixel")
    ax.set_ylabel(f"whole photos, {sigma} (dB)")
    ax.set_title(f"(b) U-Net size ({photo_ablation['steps']} steps)")


def cycles_panel(ax, cycles: list[dict]) -> None:
    """Whole-photo PSNR (sigma 25, validation photos) of the epoch each training cycle kept, one row per cycle."""
    y = list(range(len(cycles)))
    ax.plot([c["val_photos_psnr"] for c in cycles], y, "o-", color=FRAMEWORK, ms=3.5, lw=1.2)
    ax.scatter([cycles[-1]["val_photos_psnr"]], [y[-1]], color=ACCENT, s=22, zorder=3)
    ax.set_yticks(y, [f"{c['cycle']}: {c['tag']}" for c in cycles])
    ax.tick_params(axis="y", length=0)
    ax.invert_yaxis()
    ax.set_xlabel("whole photos, σ = 25 (dB)")
    ax.set_title("(c) training cycles")


def mp1_ablation(gaussian: dict | None, photo_ablation: dict | None, cycles: list[dict], path: Path) -> bool:
    """Report_1's ablation figure: the panels whose data exist, side by side at the full text width."""
    panels = [(targets_panel, gaussian) if gaussian and any(gaussian.get(k) for k in ("n2n_raw", "n2c")) else None,
              (size_panel, photo_ablation) if photo_ablation else None,
              (cycles_panel, cycles) if cycles else None]
    panels = [p for p in panels if p is not None]
    if not panels:
        return False
    figure, axes = plt.subplots(1, len(panels), figsize=(TEXT_WIDTH, 2.35), squeeze=False)
    for ax, (draw, data) in zip(axes[0], panels):
        draw(ax, data)
    figure.tight_layout(w_pad=2.0)
    return save(figure, path)


def mp2_parity(parity: dict | None, steps: dict | None, path: Path) -> bool:
    """Framework vs torch twin: training loss per step (binned) and validation PSNR per epoch."""
    if not parity and not steps:
        return False
    panels = [p for p in (steps, parity) if p]
    figure, axes = plt.subplots(1, len(panels), figsize=(TEXT_WIDTH, 1.8), squeeze=False)
    axes = list(axes[0])
    if steps:
        ax = axes.pop(0)
        width = steps["steps"] / steps["curve_bins"]
        x = [(i + 0.5) * width for i in range(steps["curve_bins"])]
        ax.plot(x, steps["framework_curve"], color=FRAMEWORK, lw=1.6, label="framework")
        ax.plot(x, steps["torch_curve"], color=TORCH, lw=0.9, ls="--", label="torch.nn twin")
        ax.set_xlabel("training step")
        ax.set_ylabel("training loss (MSE)")
        ax.set_title(f"(a) loss per step (means of {width:.0f}-step bins)")
        ax.legend(frameon=False)
    if parity:
        ax = axes.pop(0)
        epochs = [e["epoch"] for e in parity["per_epoch"]]
        for engine, colour, style in (("framework", FRAMEWORK, "o-"), ("torch", TORCH, "s--")):
            ax.plot(epochs, [e[engine]["psnr"].get("mixed") for e in parity["per_epoch"]], style, color=colour, ms=3.5,
                    label="framework" if engine == "framework" else "torch.nn twin")
        ax.set_xlabel("epoch")
        ax.set_ylabel("val_data PSNR (dB)")
        ax.set_xticks(epochs)
        ax.set_title(f"(b) validation PSNR, {parity['pairs']} pairs per epoch")
        ax.legend(frameon=False)
    figure.tight_layout(w_pad=1.5)
    return save(figure, path)


def mp2_ablation(ablation: dict | None, path: Path) -> bool:
    """PSNR (mixed noise) of every variant minus the base variant's, as bars; the shipped set-up in red."""
    if not ablation:
        return False
    rows = ablation["rows"]
    set_name = "mixed" if "mixed" in ablation["sets"] else ablation["sets"][0]
    base = rows[0]["psnr"][set_name]
    variants = rows[1:]
    figure, ax = plt.subplots(figsize=(SIDE_WIDTH, 0.55 + 0.2 * len(variants)))
    deltas = [r["psnr"][set_name] - base for r in variants]
    bars = ax.barh([r["variant"] for r in variants], deltas, color=[ACCENT if r["chosen"] else FRAMEWORK for r in variants], height=0.66)
    ax.bar_label(bars, labels=[f"{d:+.2f}".replace("-", "−") for d in deltas], fontsize=8, padding=2)
    ax.axvline(0, color=GREY, lw=0.8)
    ax.set_xlim(min(0.0, min(deltas)) - 1.3, max(0.0, max(deltas)) + 0.75)
    ax.tick_params(axis="y", labelsize=8, length=0)
    ax.invert_yaxis()
    ax.set_xlabel(f"val_data PSNR − base's {base:.2f} dB")
    ax.spines["left"].set_visible(False)
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
    figure, ax = plt.subplots(figsize=(SIDE_WIDTH, 1.75))
    x = range(len(groups))
    left = ax.bar([i - 0.18 for i in x], [g[1] for g in groups], width=0.34, color=FRAMEWORK, label="framework")
    right = ax.bar([i + 0.18 for i in x], [g[2] for g in groups], width=0.34, color=TORCH, label="torch.nn + autograd")
    ax.bar_label(left, fmt="%.0f", fontsize=8)
    ax.bar_label(right, fmt="%.0f", fontsize=8)
    ax.set_xticks(list(x), [g[0] for g in groups])
    ax.set_ylabel("median training step (ms)")
    ax.set_ylim(0, max(max(g[1], g[2]) for g in groups) * 1.15)
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, borderaxespad=0.2)
    return save(figure, path)
