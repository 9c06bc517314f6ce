"""Where a training step's time goes at one and at two threads, operation by operation, framework and torch.

``n2n bench framework`` finds the from-scratch framework further behind torch at two threads than at one (the U-Net
1.16x against 1.06x). This script says why: for each path and engine it times the step without the profiler
(median wall ms, as the bench does), then profiles it (``torch.profiler``, CPU) and records each operation's
self time per step at one and at two threads and its number of calls. An operation whose time does not halve
with the second thread (``speedup`` near 1) is serial; the wall time beyond the sum of the operations' own times
is Python and dispatch, which a second thread cannot share either.

    python -m experiments.framework_thread_scaling --out results/framework/thread_scaling.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from n2n.bench.framework_steps import make_step
from n2n.fileio import atomic_write_text, check_writable

BATCH = {"transpose": 64, "unet": 32}


def wall_ms(step, runs: int) -> float:
    """Median wall time of ``step()`` in ms."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def operations_ms(step, runs: int) -> tuple[dict[str, dict[str, float]], float]:
    """Each operation's self CPU time per step (ms) and calls per step, under the profiler (those of at least
    0.01 ms), and the sum over all operations (ms per step)."""
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        for _ in range(runs):
            step()
    events = profiler.key_averages()
    total = sum(event.self_cpu_time_total for event in events) / runs / 1e3
    return {event.key: {"ms": round(event.self_cpu_time_total / runs / 1e3, 4), "calls": event.count / runs}
            for event in events if event.self_cpu_time_total / runs >= 10}, total


def measure(path: str, engine: str, threads: int, runs: int, warmup: int) -> dict:
    torch.set_num_threads(threads)
    step = make_step(path, engine, BATCH[path])
    for _ in range(warmup):
        step()
    wall = wall_ms(step, runs)
    ops, total = operations_ms(step, runs)
    return {"wall_ms": wall, "operations_self_ms": total, "operations": ops}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--runs", type=int, default=15, help="timed and profiled steps each (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--force", action="store_true", help="replace --out")
    args = parser.parse_args(argv)
    check_writable(args.out, args.force)
    load_before = list(os.getloadavg())
    result = {"paths": {}, "runs": args.runs, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
              "torch": torch.__version__}
    for path in BATCH:
        result["paths"][path] = {}
        for engine in ("framework", "torch"):
            by_threads = {str(threads): measure(path, engine, threads, args.runs, args.warmup) for threads in (1, 2)}
            result["paths"][path][engine] = by_threads
            one, two = by_threads["1"], by_threads["2"]
            print(f"{path:9s} {engine:9s} wall 1t {one['wall_ms']:7.1f} 2t {two['wall_ms']:7.1f} ms "
                  f"(x{one['wall_ms'] / two['wall_ms']:.2f}); operations' own time 1t {one['operations_self_ms']:7.1f} "
                  f"2t {two['operations_self_ms']:7.1f} ms", flush=True)
    result["load_average"] = {"before": load_before, "after": list(os.getloadavg())}
    atomic_write_text(json.dumps(result, indent=1) + "\n", args.out, overwrite=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
