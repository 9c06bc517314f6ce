"""Print the README's Miniproject_1 tables (Markdown) from the results files: ``python -m experiments.mp1_tables``."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from experiments.mp1_quality import readme_table
from Miniproject_1.others.unet import UNet

RESULTS = Path("results/miniproject_1")


def ablation_table() -> str:
    path = RESULTS / "ablations.csv"
    if not path.is_file():
        return "(no ablations.csv)"
    lines = ["| width × depth | parameters | k MAC / pixel | val PSNR (dB) | train time (s, 1 thread, shared CPU) | 512×512 predict (s) |",
             "|---|---|---|---|---|---|"]
    for row in csv.DictReader(path.open()):
        macs = UNet(width=int(row["width"]), depth=int(row["depth"])).macs_per_pixel() / 1000
        lines.append(f"| {row['width']} × {row['depth']} | {int(row['params']):,} | {macs:.0f} | {float(row['val_psnr']):.2f} | "
                     f"{float(row['train_seconds']):.0f} | {float(row['predict_512_seconds']):.2f} |")
    return "\n".join(lines)


def quality_table() -> str:
    path = RESULTS / "quality.json"
    return readme_table(json.loads(path.read_text())) if path.is_file() else "(no quality results)"


def gaussian_table() -> str:
    runs = [json.loads(path.read_text()) for name in ("n2n_raw", "n2n", "n2c")
            if (path := RESULTS / f"gaussian25_{name}.json").is_file()]
    epochs = max((len(r.get("history", [])) for r in runs), default=0)
    lines = ["| training target | pairs × epochs | train time (s) | " + " | ".join(f"epoch {e + 1}" for e in range(epochs)) + " |",
             "|---|---|---|" + "---|" * epochs]
    for r in runs:
        history = [f"{h['val_psnr']:.2f}" if "val_psnr" in h else "–" for h in r.get("history", [])]
        history += ["–"] * (epochs - len(history))
        lines.append(f"| {r['method']} | {r['pairs']} × {r['epochs']} | {r['train_seconds']:.0f} | " + " | ".join(history) + " |")
    return "val_gaussian25 PSNR (dB) after each epoch:\n\n" + "\n".join(lines)


def timing_table() -> str:
    path = RESULTS / "timing.json"
    if not path.is_file():
        return "(no timing.json)"
    t = json.loads(path.read_text())
    lines = ["| measurement | measured | target | met |", "|---|---|---|---|"]
    if "train" in t:
        lines.append(f"| `Model().train`, {t['train']['pairs']} pairs, 1 epoch | {t['train']['seconds']:.0f} s | ≤ 600 s | {t['train']['met']} |")
    if "predict" in t:
        p = t["predict"]
        lines.append(f"| `predict`, 1000×3×32×32 | {p['crops']['seconds']:.2f} s | ≤ 5 s | {p['crops']['met']} |")
        lines.append(f"| `predict`, 1×3×512×512 | {p['image_512']['seconds']:.2f} s | ≤ 2 s | {p['image_512']['met']} |")
    if "denoise_4000x3000" in t:
        d = t["denoise_4000x3000"]
        lines.append(f"| `n2n denoise`, 4000×3000 PNG: peak RSS | {d['peak_rss_gib']:.2f} GiB ({d['seconds']:.0f} s) | ≤ 4 GiB | {d['met']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m experiments.mp1_tables", description=__doc__.split(":")[0] + ".").parse_args(argv)
    for title, table in (("Ablation", ablation_table()), ("Quality", quality_table()),
                         ("Noise2Noise vs Noise2Clean", gaussian_table()), ("Timing", timing_table())):
        print(f"### {title}\n\n{table}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
