"""Quality table of Miniproject_1 against classical baselines on the committed validation sets.

``python -m experiments.mp1_quality`` evaluates, per validation set (course PSNR, per image
in [0, 1], averaged): the noisy input, scikit-image NL-means (sigma estimated per image), BM3D
(the true sigma = 25 on the Gaussian set, sigma estimated per image elsewhere), the shipped
Miniproject_1 model (trained on mixed noise), the one-epoch ``Model.train`` checkpoint of
:mod:`n2n.bench.timing_mp1` when present, and, on the Gaussian set, the Gaussian-trained Noise2Noise and
Noise2Clean networks of :mod:`experiments.mp1_gaussian` when their weights exist.

BM3D takes seconds per 32x32 crop here, so it runs on the first ``--subset`` images of each set;
every method is also scored on that same subset (``psnr_subset``) for a like-for-like comparison.
Writes ``results/miniproject_1/quality.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from n2n.bench.timing_mp1 import TRAINED_WEIGHTS
from n2n.data.course import load_val
from n2n.evaluation import baselines
from n2n.evaluation.evaluate import available_val_sets
from n2n.fileio import atomic_write_text
from n2n.inference import denoisers
from n2n.metrics import psnr
from n2n.report.readme_blocks import replace_block

# Written by python -m experiments.mp1_gaussian --target noisy-raw / clean.
GAUSSIAN_WEIGHTS = {"Noise2Noise (Gaussian-trained)": Path("cache/miniproject_1/gaussian25_n2n_raw.pth"),
                    "Noise2Clean (Gaussian-trained)": Path("cache/miniproject_1/gaussian25_n2c.pth")}
# What one course-style `Model().train(..., num_epochs=1)` on the 50 000 mixed pairs gives (the time-limited
# budget, saved by n2n.bench.timing_mp1): the like-for-like reference for one-epoch runs elsewhere.
ONE_EPOCH = ("Miniproject_1, Model.train 1 epoch (mixed noise)", TRAINED_WEIGHTS)
SHIPPED = "Miniproject_1 shipped (U-Net 40×5, N2N on whole photos)"
# The network shipped before the whole-photo one: Model()'s default 32x3, 10 epochs on the 50 000 course pairs.
PREVIOUS = ("Miniproject_1 32×3 on course pairs (shipped before)", Path("training_runs/mp1_course_32x3/model.pth"))


def score(name: str, fn, noisy: torch.Tensor, clean: torch.Tensor, subset: int, full: bool) -> dict:
    """PSNR on the first ``subset`` images, and on all images when ``full``."""
    start = time.perf_counter()
    result = fn(noisy if full else noisy[:subset])
    seconds = time.perf_counter() - start
    row = {"method": name, "psnr_subset": psnr(result[:subset], clean[:subset]), "subset": subset,
           "seconds": round(seconds, 2), "images": int(result.shape[0])}
    if full:
        row["psnr"] = psnr(result, clean)
    print(row, flush=True)
    return row


def readme_table(results: dict) -> str:
    """Markdown table, one row per method, cells ``all images / first subset`` (``–`` where not run)."""
    sets = list(results)
    methods = list(dict.fromkeys(row["method"] for name in sets for row in results[name]["rows"]))
    cells = {(name, row["method"]): row for name in sets for row in results[name]["rows"]}

    def cell(name: str, method: str) -> str:
        row = cells.get((name, method))
        if row is None:
            return "–"
        full = f"{row['psnr']:.2f}" if "psnr" in row else "–"
        return f"{full} / {row['psnr_subset']:.2f}"

    lines = ["| method | " + " | ".join(sets) + " |", "|---" * (len(sets) + 1) + "|"]
    lines += [f"| {method} | " + " | ".join(cell(name, method) for name in sets) + " |" for method in methods]
    subset = next(row["subset"] for name in sets for row in results[name]["rows"])
    return (f"PSNR in dB: all {results[sets[0]]['images']} images / first {subset} images "
            f"(BM3D runs on the first {subset} only).\n\n" + "\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subset", type=int, default=100, help="images per set for BM3D (default 100)")
    parser.add_argument("--sets", nargs="*", help="validation set names (default: all committed)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("results/miniproject_1/quality.json"))
    parser.add_argument("--only", choices=["baselines", "models"], help="run only these rows, keep the others from --out")
    parser.add_argument("--readme-only", action="store_true", help="only refresh the README table from --out")
    args = parser.parse_args(argv)
    if args.readme_only:
        replace_block("mp1:quality", readme_table(json.loads(args.out.read_text())))
        return 0
    torch.set_num_threads(args.threads)
    val_sets = available_val_sets()
    if args.sets:
        val_sets = {name: val_sets[name] for name in args.sets}
    shipped = denoisers.get("miniproject1") if args.only != "baselines" else None
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for set_name, path in val_sets.items():
        noisy, clean = load_val(path)
        sigma = 25.0 if set_name == "gaussian25" else None
        methods = []
        if args.only != "models":
            methods += [("noisy input", lambda x: x.float(), True), ("NL-means (sigma estimated)", baselines.nl_means(), True),
                        ("BM3D (true sigma 25)" if sigma else "BM3D (sigma estimated)", baselines.bm3d(sigma), False)]
        if args.only != "baselines":
            methods.append((SHIPPED, shipped, True))
            if PREVIOUS[1].is_file():
                methods.append((PREVIOUS[0], denoisers.miniproject1(PREVIOUS[1]), True))
            if ONE_EPOCH[1].is_file():
                methods.append((ONE_EPOCH[0], denoisers.miniproject1(ONE_EPOCH[1]), True))
            if set_name == "gaussian25":
                methods += [(name, denoisers.miniproject1(weights), True) for name, weights in GAUSSIAN_WEIGHTS.items() if weights.is_file()]
        kept = [row for row in results.get(set_name, {}).get("rows", []) if row["method"] not in {m[0] for m in methods}]
        rows = kept + [score(name, fn, noisy, clean, args.subset, full) for name, fn, full in methods]
        results[set_name] = {"path": str(path), "images": int(noisy.shape[0]), "rows": rows}
        atomic_write_text(json.dumps(results, indent=2) + "\n", args.out, overwrite=True)
    replace_block("mp1:quality", readme_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
