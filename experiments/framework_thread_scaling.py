"""Where a training step's time goes at one and at two threads, operation by operation, framework and torch.

``n2n bench framework`` finds the from-scratch framework further behind torch at two threads than at one (the U-Net
1.16x against 1.06x). This script says why: for each path and engine it times the step without the profiler
(median wall ms, as the bench does), then profiles it (``torch.profiler``, CPU) and records each operation's
self time per step at one and at two threads and its number of calls. An operation whose time does not halve
with the second thread (``speedup`` near 1) is serial; the wall time beyond the sum of the operations' own times
is Python and dispatch, which a second thread cannot share either. Each entry also splits the operations'
time into the products that do the convolutions' arithmetic (the framework's matrix products, torch's
convolution kernels) and everything else. The profiler adds a few microseconds per operation, more to the
framework's thousands of small ones than to torch's hundreds, so compare the parts, not the totals.

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
# The operations that do the convolutions' arithmetic: the framework's matrix products, torch's convolution kernels
# (oneDNN; their backward is one operation). Everything else is element-wise passes, copies, zeroing, im2col/col2im
# and view bookkeeping.
PRODUCTS = {"framework": ("aten::addmm_", "aten::addmm", "aten::mm", "aten::bmm", "aten::baddbmm_", "aten::addbmm_"),
            "torch": ("aten::mkldnn_convolution", "aten::convolution_backward", "aten::_convolution")}
ENGINES = ("framework", "torch")


def wall_ms(steps: dict, runs: int) -> dict[str, float]:
    """Median wall time in ms of each of ``steps`` (name -> step), timed in turn, run after run (interleaved, as
    ``n2n bench framework`` does, so a slow moment of the machine hits both)."""
    times = {name: [] for name in steps}
    for _ in range(runs):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1e3 for name, values in times.items()}


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


def measure(path: str, threads: int, runs: int, warmup: int) -> dict:
    """Both engines on ``path`` at ``threads`` threads: interleaved wall times, then each one profiled."""
    torch.set_num_threads(threads)
    steps = {engine: make_step(path, engine, BATCH[path]) for engine in ENGINES}
    for _ in range(warmup):
        for step in steps.values():
            step()
    wall = wall_ms(steps, runs)
    result = {}
    for engine, step in steps.items():
        ops, total = operations_ms(step, runs)
        products = sum(op["ms"] for name, op in ops.items() if name in PRODUCTS[engine])
        result[engine] = {"wall_ms": wall[engine], "operations_self_ms": total, "products_ms": products,
                          "other_operations_ms": total - products, "operations": ops}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--runs", type=int, default=20, help="timed and profiled steps each (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (default 5)")
    parser.add_argument("--force", action="store_true", help="replace --out")
    args = parser.parse_args(argv)
    check_writable(args.out, args.force)
    load_before = list(os.getloadavg())
    result = {"paths": {}, "runs": args.runs, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
              "torch": torch.__version__}
    for path in BATCH:
        by_threads = {str(threads): measure(path, threads, args.runs, args.warmup) for threads in (1, 2)}
        result["paths"][path] = {engine: {threads: by_threads[threads][engine] for threads in by_threads} for engine in ENGINES}
        for engine in ENGINES:
            one, two = by_threads["1"][engine], by_threads["2"][engine]
            print(f"{path:9s} {engine:9s} wall 1t {one['wall_ms']:7.1f} 2t {two['wall_ms']:7.1f} ms "
                  f"(x{one['wall_ms'] / two['wall_ms']:.2f}); operations' own time 1t {one['operations_self_ms']:7.1f} "
                  f"2t {two['operations_self_ms']:7.1f} ms, of which products {one['products_ms']:7.1f} / {two['products_ms']:7.1f}",
                  flush=True)
    result["load_average"] = {"before": load_before, "after": list(os.getloadavg())}
    atomic_write_text(json.dumps(result, indent=1) + "\n", args.out, overwrite=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
