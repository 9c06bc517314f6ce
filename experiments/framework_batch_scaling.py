"""Where the from-scratch framework's time goes against torch's: a cost per image and a fixed cost per step.

A training step's time grows with the batch as ``fixed + per_image * batch``: the per-image part is the arithmetic
and memory traffic of the layers, the fixed part what every step pays whatever its size (Python, dispatching each
operation to ATen, starting each parallel region, the optimizer). This script times one path's step on the
framework and on torch at several batch sizes, interleaved (each batch size's framework and torch steps run in
turn, run after run, and the batch sizes take turns series after series), and fits the line to each engine's
medians by least squares. It writes the medians, the framework/torch ratio per batch size and per series, and the
two lines (``results/framework/batch_scaling_<path>.json``).

    python -m experiments.framework_batch_scaling --path unet --batches 8 16 32 64 --threads 2 --repeats 3 \\
        --out results/framework/batch_scaling_unet.json

If the framework's per-image cost is at or below torch's and its fixed cost above, the ratio falls as the batch
grows, and the gap at the benchmark's batch size is overhead per step rather than slower arithmetic.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from n2n.bench.framework_steps import PATHS, make_step
from n2n.bench.timing import machine_record, time_interleaved, timing_session
from n2n.fileio import atomic_write_text, check_writable

ENGINES = ("framework", "torch")


def fit_line(batches, times_ms) -> dict:
    """Least-squares ``time = fixed + per_image * batch`` (ms) over at least two batch sizes."""
    if len(set(batches)) < 2:
        raise ValueError(f"a line needs at least two different batch sizes, got {list(batches)}")
    slope, intercept = statistics.linear_regression(batches, times_ms)
    return {"fixed_ms": round(intercept, 3), "per_image_ms": round(slope, 4)}


def measure(path: str, batches, runs: int, warmup: int, repeats: int) -> dict:
    """Median step times (ms) of ``path`` on both engines at each batch size, ``repeats`` series of ``runs``."""
    steps = {batch: [make_step(path, engine, batch) for engine in ENGINES] for batch in batches}
    series = {batch: [] for batch in batches}
    for _ in range(repeats):
        for batch in batches:
            times = time_interleaved(steps[batch], runs, warmup)
            medians = {engine: round(statistics.median(times[step.name]) * 1e3, 3) for engine, step in zip(ENGINES, steps[batch])}
            series[batch].append({**medians, "ratio": round(medians["framework"] / medians["torch"], 3)})
            print(f"{path} batch {batch}: framework {medians['framework']:.1f} ms, torch {medians['torch']:.1f} ms, "
                  f"ratio {series[batch][-1]['ratio']:.3f}", flush=True)
    per_batch = []
    for batch in batches:
        medians = {engine: round(statistics.median(s[engine] for s in series[batch]), 3) for engine in ENGINES}
        ratios = [s["ratio"] for s in series[batch]]
        per_batch.append({"batch": batch, "median_ms": medians, "ratio": round(medians["framework"] / medians["torch"], 3),
                          "series_ratios": ratios, "series": series[batch]})
    return {"batches": per_batch, "lines": lines_of(per_batch)}


def lines_of(per_batch) -> dict:
    """Each engine's line through its medians, the framework's extra fixed cost (ms) and its per-image cost over
    torch's. A fit through a curve (the time growing faster than the batch) can put the fixed cost below 0."""
    lines = {engine: fit_line([b["batch"] for b in per_batch], [b["median_ms"][engine] for b in per_batch]) for engine in ENGINES}
    lines["fixed_ms_framework_minus_torch"] = round(lines["framework"]["fixed_ms"] - lines["torch"]["fixed_ms"], 3)
    lines["per_image_framework_over_torch"] = round(lines["framework"]["per_image_ms"] / lines["torch"]["per_image_ms"], 3)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", choices=PATHS, default="unet", help="which training step (default: the U-Net)")
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 16, 32, 64], help="batch sizes (default 8 16 32 64)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's default)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each step per series (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument("--repeats", type=int, default=3, help="series per batch size, the batch sizes taking turns (default 3)")
    parser.add_argument("--out", type=Path, required=True, help="results JSON")
    args = parser.parse_args(argv)
    if args.runs < 5 or args.warmup < 0 or args.repeats < 1 or min(args.batches) < 1 or len(set(args.batches)) < 2:
        raise ValueError("--runs must be at least 5, --warmup non-negative, --repeats positive and --batches at least two "
                         f"different positive sizes, got {args.runs}, {args.warmup}, {args.repeats} and {args.batches}")
    check_writable(args.out, overwrite=True)
    with timing_session(args.threads) as session:
        measured = measure(args.path, sorted(set(args.batches)), args.runs, args.warmup, args.repeats)
    result = {"path": args.path, "threads": session["threads"], "runs": args.runs, "repeats": args.repeats, "machine": machine_record(),
              "load_average": session["load_average"], **measured}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    lines = measured["lines"]
    print(f"fixed cost per step: framework {lines['framework']['fixed_ms']:.1f} ms, torch {lines['torch']['fixed_ms']:.1f} ms; "
          f"per image: framework {lines['framework']['per_image_ms']:.3f} ms, torch {lines['torch']['per_image_ms']:.3f} ms")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
