"""Timing helpers shared by the benchmarks: interleaved runs (every step sees the same machine load) and a
record of the machine a timing ran on."""

from __future__ import annotations

import os
import platform
import time
from contextlib import contextmanager

import torch


def machine_record() -> dict:
    """What a CPU timing ran on: torch version, CPU name, torch's CPU capability and the date."""
    return {"torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "date": time.strftime("%Y-%m-%d")}


def time_interleaved(steps, runs: int, warmup: int, cpu_times: dict | None = None) -> dict[str, list[float]]:
    """Alternate the steps ``runs`` times after ``warmup`` rounds; wall seconds per call for each.
    ``cpu_times``: filled with the process CPU seconds (all threads) per call, when given."""
    for _ in range(warmup):
        for step in steps:
            step()
    times = {step.name: [] for step in steps}
    if cpu_times is not None:
        cpu_times.update({step.name: [] for step in steps})
    for _ in range(runs):
        for step in steps:
            start, cpu_start = time.perf_counter(), time.process_time()
            step()
            times[step.name].append(time.perf_counter() - start)
            if cpu_times is not None:
                cpu_times[step.name].append(time.process_time() - cpu_start)
    return times


@contextmanager
def timing_session(threads: int | None):
    """Runs the body with torch at ``threads`` threads (None: torch's current count), restoring the count after.
    Yields a record that holds ``threads`` at once and ``load_average`` (before and after, rounded) on exit."""
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads or threads_before)
    record = {"threads": torch.get_num_threads()}
    load_before = os.getloadavg()
    try:
        yield record
    finally:
        torch.set_num_threads(threads_before)
    record["load_average"] = {"before": [round(v, 2) for v in load_before], "after": [round(v, 2) for v in os.getloadavg()]}
