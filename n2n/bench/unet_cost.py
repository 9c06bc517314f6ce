"""What each U-Net shape costs on this CPU: ``python -m n2n.bench.unet_cost``.

For Miniproject_1's U-Net at several per-level widths (full resolution first) this times one Adam
training step as ``n2n train --photos`` takes it (batch 8 of 96 px crops, channels-last, float32
or bfloat16 autocast as training picks on this CPU) and one inference pass of a 512x512 image. All
shapes are interleaved run by run so that they see the same machine load; medians, the ratio to
the shipped 40 x 5, multiply-accumulates per pixel and parameters go to
``results/bench/unet_cost.json``. This is the cost half of choosing where capacity pays; the
quality half is whole-photo PSNR after training (docs/methods/sigma15.md, *A wider full-resolution level*).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

import torch

from Miniproject_1.others.unet import UNet
from n2n.bench.timing import machine_record, time_interleaved
from n2n.bench.precision import PredictStep, TrainStep
from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT
from n2n.precision import use_bfloat16

RESULTS = REPO_ROOT / "results" / "bench" / "unet_cost.json"
DEPTH = 5
BASELINE = "40,40,40,40,40,40"
# The shipped shape, the grown ones tried on photos, and a wider full-resolution level for scale.
DEFAULT_SHAPES = (BASELINE, "48,40,40,40,40,40", "48,48,40,40,40,40", "40,48,64,80,80,80", "56,40,40,40,40,40")


def parse_shape(text: str) -> tuple[int, ...]:
    """``"48,40,40,40,40,40"`` -> ``(48, 40, 40, 40, 40, 40)``; ``ValueError`` naming the problem otherwise."""
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"bad U-Net shape {text!r}: give {DEPTH + 1} comma-separated widths, e.g. {BASELINE}") from None
    if len(widths) != DEPTH + 1 or min(widths) < 1:
        raise ValueError(f"bad U-Net shape {text!r}: give {DEPTH + 1} positive widths (full resolution first), e.g. {BASELINE}")
    return widths


def measure(shapes: list[str], runs: int, bfloat16: bool) -> list[dict]:
    """One row per shape: seconds per training step and per 512x512 inference (medians), ratios to the first shape."""
    widths = [parse_shape(shape) for shape in shapes]
    train = time_interleaved([TrainStep(w[0], DEPTH, 8, 96, bfloat16, w, shape) for w, shape in zip(widths, shapes)], runs, 2)
    predict = time_interleaved([PredictStep(w[0], DEPTH, bfloat16, w, shape) for w, shape in zip(widths, shapes)], runs, 2)
    rows = []
    for shape, w in zip(shapes, widths):
        network = UNet(depth=DEPTH, widths=w)
        rows.append({"widths": list(w), "parameters": sum(p.numel() for p in network.parameters()),
                     "macs_per_pixel": network.macs_per_pixel(),
                     "train_step_seconds": statistics.median(train[shape]),
                     "predict_512_seconds": statistics.median(predict[shape])})
    for row in rows:
        for key in ("macs_per_pixel", "train_step_seconds", "predict_512_seconds"):
            row[f"{key}_ratio"] = row[key] / rows[0][key]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.bench.unet_cost", description=(
        "What each U-Net shape costs on this CPU: the time of a training step and of a 512 px inference (lower is "
        "better), the operations per pixel and the parameters."))
    parser.add_argument("--shapes", nargs="+", default=list(DEFAULT_SHAPES), metavar="W0,...,W5",
                        help=f"per-level widths to time, full resolution first; the first is the reference (default: {' '.join(DEFAULT_SHAPES)})")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per shape (median reported)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS), help="results JSON (overwritten)")
    args = parser.parse_args(argv)
    try:
        for shape in args.shapes:
            parse_shape(shape)
    except ValueError as error:
        parser.error(str(error))
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    torch.set_num_threads(args.threads)
    bfloat16 = use_bfloat16(torch.device("cpu"))
    rows = measure(args.shapes, args.runs, bfloat16)
    for row in rows:
        print(f"{','.join(map(str, row['widths']))}: {row['parameters'] / 1e3:.0f} k parameters, {row['macs_per_pixel'] / 1e3:.1f} k MAC/px "
              f"({row['macs_per_pixel_ratio']:.2f}x), train step {row['train_step_seconds'] * 1e3:.0f} ms ({row['train_step_seconds_ratio']:.2f}x), "
              f"512 px inference {row['predict_512_seconds'] * 1e3:.0f} ms ({row['predict_512_seconds_ratio']:.2f}x)", flush=True)
    result = {"rows": rows, "precision": "bfloat16" if bfloat16 else "float32", "threads": args.threads, "runs": args.runs,
              "batch": 8, "crop": 96, **machine_record(), "load_average_after": list(os.getloadavg())}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
