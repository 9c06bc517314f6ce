"""Quality of Miniproject_2's shipped model on the committed validation sets.

``python -m experiments.mp2_quality`` scores (course PSNR, per image on [0, 1], averaged) the
noisy input and ``Miniproject_2/bestmodel.pth`` on every committed validation set, puts them beside
Miniproject_1 and the classical baselines from ``results/miniproject_1/quality.json`` when that
file exists, writes ``results/miniproject_2/quality.json`` and refreshes the README table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from n2n.data.course import load_val
from n2n.evaluation.evaluate import available_val_sets
from n2n.fileio import atomic_write_text
from n2n.inference import denoisers
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT as ROOT
from n2n.report.readme_blocks import replace_block

RESULTS = ROOT / "results" / "miniproject_2" / "quality.json"
MP1_QUALITY = ROOT / "results" / "miniproject_1" / "quality.json"
SHIPPED = "Miniproject_2 shipped (course network, N2N, mixed noise)"


def score_shipped(val_sets: dict) -> dict:
    model = denoisers.get("miniproject2")
    results = {}
    for name, path in val_sets.items():
        noisy, clean = load_val(path)
        start = time.perf_counter()
        with torch.no_grad():
            denoised = model(noisy)
        seconds = time.perf_counter() - start
        results[name] = {"path": str(path.relative_to(ROOT)), "images": int(noisy.shape[0]), "rows": [
            {"method": "noisy input", "psnr": psnr(noisy, clean)},
            {"method": SHIPPED, "psnr": psnr(denoised, clean), "seconds": round(seconds, 2)},
        ]}
    return results


def comparison_rows(quality: dict, mp1_quality: dict) -> list[tuple[str, dict]]:
    """``(method, {set: psnr})`` rows: ours, then Miniproject_1's file's rows (full-set PSNR where
    available, else the subset PSNR, marked)."""
    sets = list(quality)
    table: dict[str, dict] = {}
    for name in sets:
        for row in quality[name]["rows"]:
            table.setdefault(row["method"], {})[name] = f"{row['psnr']:.2f}"
        for row in mp1_quality.get(name, {}).get("rows", []):
            if row["method"] == "noisy input":
                continue
            if "psnr" in row:
                table.setdefault(row["method"], {})[name] = f"{row['psnr']:.2f}"
            else:
                table.setdefault(row["method"], {})[name] = f"{row['psnr_subset']:.2f}*"
    return list(table.items())


def readme_table(quality: dict, mp1_quality: dict) -> str:
    sets = list(quality)
    lines = ["| method | " + " | ".join(sets) + " |", "|---" * (len(sets) + 1) + "|"]
    for method, values in comparison_rows(quality, mp1_quality):
        lines.append(f"| {method} | " + " | ".join(values.get(name, "–") for name in sets) + " |")
    note = ("PSNR in dB (course definition) on the committed validation sets, 1000 crops each; "
            "`*`: on the first images of the set only (BM3D is slow; see `results/miniproject_1/quality.json`).")
    return note + "\n\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    quality = score_shipped(available_val_sets(ROOT))
    atomic_write_text(json.dumps(quality, indent=2) + "\n", args.out, overwrite=True)
    mp1_quality = json.loads(MP1_QUALITY.read_text()) if MP1_QUALITY.is_file() else {}
    table = readme_table(quality, mp1_quality)
    if not args.no_readme:
        replace_block("mp2:quality", table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
