"""Benchmark of one training step on the from-scratch framework against torch.nn, on four paths.

``python -m n2n.bench framework`` (or ``n2n bench framework``) times a training step of each path of
``n2n.bench.framework_steps`` (the course network with the fused ``Upsampling`` block, with
``NearestUpsampling`` + ``Conv2d``, with ``TransposeConv2d``, and the U-Net) on the framework and on its
torch twin, all eight steps interleaved run by run in one process (so all see the same machine load),
on the CPU, and reports medians of the wall time and of the process CPU time, and the framework/torch
ratio of each path. Peak memory of one step is measured for each step in a fresh subprocess (growth of
peak RSS during the step). Results go to ``results/framework/step_benchmark.json`` (the top-level
``median_ms``, ``ratio_framework_over_torch`` and ``peak_step_memory_mib`` are those of the fused
course network, as before; ``paths`` holds all four) and the table of docs/methods/speed.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import torch

from n2n.bench.framework_steps import COURSE_BATCH, DESCRIPTIONS, IMAGE, PATHS, UNET_BATCH, make_step
from n2n.bench.timing import machine_record, time_interleaved
from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT
from n2n.report.readme_blocks import replace_block

RESULTS = REPO_ROOT / "results" / "framework" / "step_benchmark.json"
ENGINES = ("framework", "torch")
NAMES = {"upsampling": "course network, fused `Upsampling`", "nearest_conv": "course network, `NearestUpsampling` + `Conv2d`",
         "transpose": "course network, `TransposeConv2d`", "unet": "U-Net 32 × 3"}


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise ValueError(f"/proc/self/status has no {field}")


def measure_step_memory(path: str, engine: str, batch: int) -> float:
    """In this process: MiB by which one step raises the peak RSS above the RSS before it.

    A step on a batch of 1 first initialises the libraries' lazy state (thread pools, kernel
    caches); the measured step is then the first one at full size, so what it allocates is
    its working set, not memory left cached by an earlier step."""
    make_step(path, engine, 1)()
    step = make_step(path, engine, batch)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS counter (Linux)
    before = _rss_kib("VmRSS")
    step()
    return (_rss_kib("VmHWM") - before) / 1024


def step_memory_in_subprocess(path: str, engine: str, batch: int, threads: int) -> float | None:
    """``measure_step_memory`` in a fresh interpreter; None where /proc is unavailable.

    glibc is told to serve every allocation above 64 KiB with its own mapping, returned to the
    system when freed, so the resident set follows the live memory of both engines alike."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    code = (f"import torch; torch.set_num_threads({threads}); from n2n.bench.framework import measure_step_memory; "
            f"print(measure_step_memory({path!r}, {engine!r}, {batch}))")
    environment = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment)
    return float(result.stdout.strip().splitlines()[-1])


def _path_result(path: str, batch: int, times: dict, cpu_times: dict, bfloat16: bool) -> dict:
    median = lambda values: statistics.median(values) * 1e3  # noqa: E731
    names = [f"{path}:{engine}" for engine in ENGINES] + ([f"{path}:framework:bfloat16"] if bfloat16 else [])
    keys = dict(zip(names, ["framework", "torch", "framework_bfloat16"]))
    result = {"description": DESCRIPTIONS[path], "batch": batch,
              "median_ms": {keys[name]: median(times[name]) for name in names},
              "median_cpu_ms": {keys[name]: median(cpu_times[name]) for name in names},
              "all_ms": {keys[name]: [round(v * 1e3, 3) for v in times[name]] for name in names}}
    result["ratio_framework_over_torch"] = result["median_ms"]["framework"] / result["median_ms"]["torch"]
    result["cpu_ratio_framework_over_torch"] = result["median_cpu_ms"]["framework"] / result["median_cpu_ms"]["torch"]
    if bfloat16:
        result["bfloat16_speedup_over_float32"] = result["median_ms"]["framework"] / result["median_ms"]["framework_bfloat16"]
    return result


def _series_ratios(path: str, series: list[dict]) -> list[float]:
    """The framework/torch ratio of the median wall times within each series."""
    return [statistics.median(times[f"{path}:framework"]) / statistics.median(times[f"{path}:torch"]) for times in series]


def run_framework_benchmark(batch: int = COURSE_BATCH, unet_batch: int = UNET_BATCH, runs: int = 20, warmup: int = 3, threads: int | None = None,
                            paths=PATHS, bfloat16: bool = False, memory: bool = True, repeats: int = 1) -> dict:
    """``repeats`` series of ``runs`` interleaved runs: the medians pool every run; each path also records the ratio
    within each series (``series_ratios``), whose spread says how much the machine's state moved it."""
    threads = threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    batches = {path: unet_batch if path == "unet" else batch for path in paths}
    steps = [make_step(path, engine, batches[path]) for path in paths for engine in ENGINES]
    if bfloat16:
        steps += [make_step(path, "framework", batches[path], bfloat16=True) for path in paths]
    load_before = list(os.getloadavg())
    series, cpu_series = [], []
    for index in range(repeats):
        cpu_series.append({})
        series.append(time_interleaved(steps, runs, warmup if index == 0 else 0, cpu_series[-1]))
    times = {name: [value for one in series for value in one[name]] for name in series[0]}
    cpu_times = {name: [value for one in cpu_series for value in one[name]] for name in cpu_series[0]}
    results = {path: _path_result(path, batches[path], times, cpu_times, bfloat16) for path in paths}
    if repeats > 1:
        for path in paths:
            results[path]["series_ratios"] = [round(ratio, 4) for ratio in _series_ratios(path, series)]
    load_after = list(os.getloadavg())
    if memory:
        for path in paths:
            results[path]["peak_step_memory_mib"] = {engine: step_memory_in_subprocess(path, engine, batches[path], threads) for engine in ENGINES}
    worst = max(paths, key=lambda path: results[path]["ratio_framework_over_torch"])
    record = {
        "benchmark": "one training step (forward, MSE, backward, optimizer step) on four paths: the framework against its torch.nn twin",
        "runs": runs, "repeats": repeats, "warmup": warmup, "image": [3, IMAGE, IMAGE],
        "machine": {"cpus": os.cpu_count(), "threads": threads, "processor": platform.processor() or platform.machine(),
                    "python": platform.python_version(), **machine_record()},
        "load_average": {"before": load_before, "after": load_after},
        "paths": results,
        "worst": {"path": worst, "ratio_framework_over_torch": results[worst]["ratio_framework_over_torch"]},
    }
    if repeats > 1:
        record["worst"]["largest_series_ratio"] = max(max(results[path]["series_ratios"]) for path in paths)
    if "upsampling" in results:  # the keys of the earlier, course-network-only benchmark
        fused = results["upsampling"]
        record.update({"network": fused["description"], "batch": fused["batch"], "median_ms": {e: fused["median_ms"][e] for e in ENGINES},
                       "ratio_framework_over_torch": fused["ratio_framework_over_torch"], "all_ms": {e: fused["all_ms"][e] for e in ENGINES}})
        if memory:
            record["peak_step_memory_mib"] = fused["peak_step_memory_mib"]
    return record


def readme_table(result: dict, source: str = "results/framework/step_benchmark.json") -> str:
    machine, paths = result["machine"], result["paths"]
    load = ", ".join(f"{value:.1f}" for value in result["load_average"]["before"])
    lines = [
        f"One training step on 3×32×32 images, CPU ({machine['cpus']} cores, {machine['threads']} threads, torch {machine['torch']}), "
        f"median of {_runs_text(result)} interleaved in one process (load average {load} before; `{source}`):",
        "",
        "| path | batch | framework | torch.nn + autograd | framework / torch (lower is better) | CPU-time ratio | peak memory of a step (framework / torch) |",
        "|---|---|---|---|---|---|---|",
    ]
    for path, row in paths.items():
        memory = row.get("peak_step_memory_mib") or {}
        mem = " / ".join("n/a" if memory.get(e) is None else f"{memory[e]:.0f} MiB" for e in ENGINES) if memory else "n/a"
        spread = f" ({min(row['series_ratios']):.2f}–{max(row['series_ratios']):.2f} by series)" if row.get("series_ratios") else ""
        lines.append(f"| {NAMES[path]} | {row['batch']} | {row['median_ms']['framework']:.1f} ms | {row['median_ms']['torch']:.1f} ms | "
                     f"{row['ratio_framework_over_torch']:.2f}×{spread} | {row['cpu_ratio_framework_over_torch']:.2f}× | {mem} |")
    return "\n".join(lines)


def _runs_text(result: dict) -> str:
    repeats = result.get("repeats", 1)
    return f"{result['runs']} runs" if repeats == 1 else f"{repeats} series of {result['runs']} runs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.bench", description=(
        "One training step on the from-scratch framework against its torch.nn twin, on four paths (median time, "
        "lower is better, and peak memory)."))
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", choices=["framework"], help="what to benchmark")
    parser.add_argument("--batch", type=int, default=COURSE_BATCH, help=f"images of 3x32x32 per course-network step (default {COURSE_BATCH})")
    parser.add_argument("--unet-batch", type=int, default=UNET_BATCH, help=f"images of 3x32x32 per U-Net step (default {UNET_BATCH})")
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS), help="paths to time (default: all four)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per step (median reported; at least 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per step before timing (default 3)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="series of --runs (default 1); with more, each ratio is also given per series, to show how much the machine's state moves it")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's default)")
    parser.add_argument("--bfloat16", action="store_true",
                        help="also time the framework under its bfloat16 autocast (pays only on a CPU with native bfloat16)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results JSON (overwritten)")
    parser.add_argument("--no-readme", action="store_true", help="do not update the table in docs/methods/speed.md")


def run(args: argparse.Namespace) -> int:
    if args.runs < 15:
        raise ValueError(f"--runs must be at least 15 for a stable median, got {args.runs}")
    if args.repeats < 1:
        raise ValueError(f"--repeats must be at least 1, got {args.repeats}")
    if args.batch < 1 or args.unet_batch < 1:
        raise ValueError(f"--batch and --unet-batch must be positive, got {args.batch} and {args.unet_batch}")
    result = run_framework_benchmark(args.batch, args.unet_batch, args.runs, args.warmup, args.threads, tuple(args.paths),
                                     args.bfloat16, not args.no_memory, args.repeats)
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    out = args.out.resolve()
    table = readme_table(result, str(out.relative_to(REPO_ROOT)) if out.is_relative_to(REPO_ROOT) else str(out))
    if not args.no_readme:
        replace_block("bench:framework", table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
