"""Benchmark of one training step of the course network: from-scratch framework vs torch.nn.

``python -m n2n.bench framework`` (or ``n2n bench framework``) times forward, MSE, backward and
an SGD step of ``Miniproject_2``'s prescribed network and of its torch.nn + autograd twin, on the
CPU, interleaved in one process (so both see the same machine load), and reports medians. Peak
memory of one step is measured for each in a fresh subprocess (growth of peak RSS during the
step). Results go to ``results/framework/step_benchmark.json`` and the table of docs/methods/speed.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from Miniproject_2.model import MSE, SGD
from Miniproject_2.others.network import course_network
from n2n.bench.twins import twin_of
from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT
from n2n.report.readme_blocks import replace_block

RESULTS = REPO_ROOT / "results" / "framework" / "step_benchmark.json"


class FrameworkStep:
    """One training step on the framework (autograd off)."""

    name = "framework"

    def __init__(self, batch: int, seed: int = 0) -> None:
        torch.manual_seed(seed)
        self.network, self.loss = course_network(), MSE()
        self.optimizer = SGD(self.network.param(), lr=1e-3)
        generator = torch.Generator().manual_seed(seed)
        self.inputs, self.targets = torch.rand(2, batch, 3, 32, 32, generator=generator)

    def __call__(self) -> None:
        with torch.no_grad():
            self.optimizer.zero_grad()
            self.loss(self.network(self.inputs), self.targets)
            self.network.backward(self.loss.backward())
            self.optimizer.step()


class TorchStep(FrameworkStep):
    """The same step on the torch.nn twin (same initial weights) with autograd."""

    name = "torch"

    def __init__(self, batch: int, seed: int = 0) -> None:
        super().__init__(batch, seed)
        self.twin = twin_of(self.network)
        self.torch_optimizer = torch.optim.SGD(self.twin.parameters(), lr=1e-3)

    def __call__(self) -> None:
        with torch.enable_grad():
            self.torch_optimizer.zero_grad()
            torch.nn.functional.mse_loss(self.twin(self.inputs), self.targets).backward()
            self.torch_optimizer.step()


ENGINES = {engine.name: engine for engine in (FrameworkStep, TorchStep)}


def machine_record() -> dict:
    """What a CPU timing ran on: torch version, CPU name, torch's CPU capability and the date."""
    return {"torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "date": time.strftime("%Y-%m-%d")}


def time_interleaved(steps, runs: int, warmup: int) -> dict[str, list[float]]:
    """Alternate the steps ``runs`` times after ``warmup`` rounds; seconds per call for each."""
    for _ in range(warmup):
        for step in steps:
            step()
    times = {step.name: [] for step in steps}
    for _ in range(runs):
        for step in steps:
            start = time.perf_counter()
            step()
            times[step.name].append(time.perf_counter() - start)
    return times


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise ValueError(f"/proc/self/status has no {field}")


def measure_step_memory(engine: str, batch: int) -> float:
    """In this process: MiB by which one step raises the peak RSS above the RSS before it.

    A step on a batch of 1 first initialises the libraries' lazy state (thread pools, kernel
    caches); the measured step is then the first one at full size, so what it allocates is
    its working set, not memory left cached by an earlier step."""
    ENGINES[engine](1)()
    step = ENGINES[engine](batch)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak-RSS counter (Linux)
    before = _rss_kib("VmRSS")
    step()
    return (_rss_kib("VmHWM") - before) / 1024


def step_memory_in_subprocess(engine: str, batch: int, threads: int) -> float | None:
    """``measure_step_memory`` in a fresh interpreter; None where /proc is unavailable.

    glibc is told to serve every allocation above 64 KiB with its own mapping, returned to the
    system when freed, so the resident set follows the live memory of both engines alike."""
    if not Path("/proc/self/clear_refs").exists():
        return None
    code = f"import torch; torch.set_num_threads({threads}); from n2n.bench.framework import measure_step_memory; print(measure_step_memory({engine!r}, {batch}))"
    environment = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment)
    return float(result.stdout.strip().splitlines()[-1])


def run_framework_benchmark(batch: int = 64, runs: int = 20, warmup: int = 3, threads: int | None = None) -> dict:
    threads = threads or torch.get_num_threads()
    torch.set_num_threads(threads)
    times = time_interleaved([FrameworkStep(batch), TorchStep(batch)], runs, warmup)
    medians = {name: statistics.median(values) * 1e3 for name, values in times.items()}
    return {
        "benchmark": "one training step (forward, MSE, backward, SGD step) of the course network",
        "network": "Conv(3->32, s2), ReLU, Conv(32->64, s2), ReLU, Upsampling(64->32), ReLU, Upsampling(32->3), Sigmoid; 3x3 kernels",
        "batch": batch, "image": [3, 32, 32], "runs": runs, "warmup": warmup,
        "machine": {"cpus": os.cpu_count(), "threads": threads, "processor": platform.processor() or platform.machine(),
                    "torch": torch.__version__, "python": platform.python_version()},
        "median_ms": medians,
        "ratio_framework_over_torch": medians["framework"] / medians["torch"],
        "all_ms": {name: [round(v * 1e3, 3) for v in values] for name, values in times.items()},
        "peak_step_memory_mib": {name: step_memory_in_subprocess(name, batch, threads) for name in ENGINES},
    }


def readme_table(result: dict) -> str:
    median, memory = result["median_ms"], result["peak_step_memory_mib"]
    mem = lambda name: "n/a" if memory[name] is None else f"{memory[name]:.0f} MiB"  # noqa: E731
    machine = result["machine"]
    return "\n".join([
        f"One training step, batch {result['batch']} of 3×32×32, CPU ({machine['cpus']} cores, {machine['threads']} threads, "
        f"torch {machine['torch']}), median of {result['runs']} interleaved runs (`results/framework/step_benchmark.json`):",
        "",
        "| engine | median step (lower is better) | time relative to torch | peak memory of a step |",
        "|---|---|---|---|",
        f"| from-scratch framework (`Miniproject_2`) | {median['framework']:.1f} ms | {result['ratio_framework_over_torch']:.2f}× | {mem('framework')} |",
        f"| torch.nn + autograd twin | {median['torch']:.1f} ms | 1.00× | {mem('torch')} |",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.bench", description=(
        "One training step of the course network: the from-scratch framework against its torch.nn twin (median time, "
        "lower is better, and peak memory)."))
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", choices=["framework"], help="what to benchmark")
    parser.add_argument("--batch", type=int, default=64, help="images of 3x32x32 per training step (default 64)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per engine (median reported; at least 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per engine before timing (default 3)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's default)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results JSON (overwritten)")
    parser.add_argument("--no-readme", action="store_true", help="do not update the table in docs/methods/speed.md")


def run(args: argparse.Namespace) -> int:
    if args.runs < 15:
        raise ValueError(f"--runs must be at least 15 for a stable median, got {args.runs}")
    if args.batch < 1:
        raise ValueError(f"--batch must be positive, got {args.batch}")
    result = run_framework_benchmark(args.batch, args.runs, args.warmup, args.threads)
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    table = readme_table(result)
    if not args.no_readme:
        replace_block("bench:framework", table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
