"""A change to the from-scratch framework, timed: its training steps before and after, and torch's, interleaved.

``n2n bench framework`` times the framework against torch; from one run to the next the machine's speed moves
by 10-20% here, more than most single changes gain. This script takes the framework's code at an earlier git
revision (``git archive`` of ``Miniproject_2/others``, imported under another package name), builds each
training step from the same weights on the same batch with the old code, the current code and torch, and
times the three in turn, run after run, so that a slow moment of the machine hits all three. It writes the
median wall time of each, their ratios, the machine (torch's CPU capability) and the load average.

    python -m experiments.framework_before_after --before 5f4794b --threads 2 --repeats 3 --out results/framework/before_after_2threads.json

The machine's speed also moves within minutes, by more than many changes gain; ``--repeats`` measures each path in
several series, taking turns with the other paths, and reports the median, smallest and largest ratio over them.

The framework's modules import each other relatively (``from .conv import ...``), which is what lets an old
copy run beside the current one; a revision where they did not is refused.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import SimpleNamespace

import torch

from n2n.bench.framework_steps import PATHS, UNET_DEPTH, UNET_WIDTH, default_batch, make_step
from n2n.bench.timing import machine_record, time_interleaved, timing_session
from n2n.fileio import atomic_write_text, check_writable

REPO = Path(__file__).resolve().parents[1]
FRAMEWORK = "Miniproject_2/others"


def framework_at(revision: str, into: Path) -> SimpleNamespace:
    """The framework's modules as they were at ``revision``, imported from a copy under ``into``."""
    try:
        archive = subprocess.run(["git", "archive", revision, FRAMEWORK], cwd=REPO, check=True, capture_output=True).stdout
    except subprocess.CalledProcessError as error:
        raise ValueError(f"cannot read {FRAMEWORK} at revision {revision!r}: {error.stderr.decode().strip()}") from None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    name = "framework_" + "".join(ch for ch in revision if ch.isalnum())
    package = into / name
    (into / FRAMEWORK).rename(package)
    for source in package.glob("*.py"):
        if "from Miniproject_2" in source.read_text() or "import Miniproject_2" in source.read_text():
            raise ValueError(f"{source.name} at {revision} imports Miniproject_2 by name: the old copy would run the current code")
    sys.path.insert(0, str(into))
    try:
        return namespace(name)  # imports every module now: the copy may be deleted afterwards
    finally:
        sys.path.remove(str(into))


def namespace(package: str) -> SimpleNamespace:
    """What the steps need from one version of the framework (``package``: its dotted name)."""
    module = lambda name: importlib.import_module(f"{package}.{name}")  # noqa: E731
    return SimpleNamespace(UNet=module("unet").UNet, course_network=module("network").course_network, Sequential=module("container").Sequential,
                           Upsampling=module("upsampling").Upsampling, MSE=module("loss").MSE, SGD=module("optim").SGD, Adam=module("optim").Adam)


def framework_step(framework: SimpleNamespace, path: str, reference):
    """A training step of ``path`` on ``framework``, from the weights and batch of ``reference`` (a framework step of
    ``n2n.bench.framework_steps`` for the same path)."""
    if path == "unet":
        network = framework.UNet(UNET_WIDTH, UNET_DEPTH)
        optimizer_type, options = framework.Adam, {"lr": 1e-4}
    else:
        network = framework.course_network(upsampling="transpose" if path == "transpose" else "nearest")
        optimizer_type, options = framework.SGD, {"lr": 1e-3}
    if path == "nearest_conv":
        layers = []
        for layer in network.modules:
            layers += [layer.upsample, layer.conv] if isinstance(layer, framework.Upsampling) else [layer]
        network = framework.Sequential(*layers)
    with torch.no_grad():
        network.load_state_dict(reference.network.state_dict())
    loss, optimizer = framework.MSE(), optimizer_type(network.param(), **options)
    inputs, targets = reference.inputs, reference.targets

    def step() -> None:
        with torch.no_grad():
            optimizer.zero_grad()
            loss(network(inputs), targets)
            network.parameter_backward(loss.backward())
            optimizer.step()
    return step, network


RATIOS = (("after_over_before", "after", "before"), ("before_over_torch", "before", "torch"), ("after_over_torch", "after", "torch"))


class _Named:
    """A step with the ``name`` that ``n2n.bench.timing.time_interleaved`` files its times under."""

    def __init__(self, name: str, step) -> None:
        self.name, self.step = name, step

    def __call__(self) -> None:
        self.step()


def time_series(steps: dict, runs: int, warmup: int) -> dict[str, float]:
    """Median wall ms of each of ``steps`` (name -> step), run in turn, run after run."""
    times = time_interleaved([_Named(name, step) for name, step in steps.items()], runs, warmup)
    return {name: round(statistics.median(values) * 1e3, 3) for name, values in times.items()}


def compare(before: SimpleNamespace, paths, runs: int, warmup: int, repeats: int = 1) -> dict:
    """Each path's step on the old framework, the current one and torch, interleaved: ``repeats`` series of
    ``runs`` timed runs each, the series of all paths taking turns (so that each path's series spread over the
    measurement), and per path the median, smallest and largest of each ratio over the series."""
    current = namespace("Miniproject_2.others")
    steps, results = {}, {}
    for path in paths:
        reference = make_step(path, "framework", default_batch(path))
        (old, old_network), (new, new_network) = framework_step(before, path, reference), framework_step(current, path, reference)
        probe = reference.inputs[:4]
        with torch.no_grad():
            difference = (old_network(probe) - new_network(probe)).abs().max().item()
        steps[path] = {"before": old, "after": new, "torch": make_step(path, "torch", default_batch(path))}
        results[path] = {"series": [], "largest_output_difference": difference}
    for _ in range(repeats):
        for path in paths:
            median = time_series(steps[path], runs, warmup)
            series = {"median_ms": median, **{name: round(median[a] / median[b], 3) for name, a, b in RATIOS}}
            results[path]["series"].append(series)
            print(f"{path}: before {median['before']:.1f} ms, after {median['after']:.1f} ms, torch {median['torch']:.1f} ms; "
                  f"after/before {series['after_over_before']:.3f}, after/torch {series['after_over_torch']:.3f}", flush=True)
    for path in paths:
        for name, _, _ in RATIOS:
            values = [series[name] for series in results[path]["series"]]
            results[path][name] = {"median": round(statistics.median(values), 3), "min": min(values), "max": max(values)}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git revision of the framework to compare against (e.g. a commit)")
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS), help="paths to time (default: all four)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's default)")
    parser.add_argument("--runs", type=int, default=25, help="timed runs of each step (default 25)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument("--repeats", type=int, default=1, help="series of --runs per path, taking turns with the other paths (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="results JSON")
    args = parser.parse_args(argv)
    if args.runs < 5 or args.warmup < 0 or args.repeats < 1:
        raise ValueError(f"--runs must be at least 5, --warmup non-negative and --repeats positive, got {args.runs}, {args.warmup} and {args.repeats}")
    check_writable(args.out, overwrite=True)
    with timing_session(args.threads) as session, tempfile.TemporaryDirectory() as folder:
        before = framework_at(args.before, Path(folder))
        paths = compare(before, args.paths, args.runs, args.warmup, args.repeats)
    result = {"before": args.before, "after": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip(),
              "threads": session["threads"], "runs": args.runs, "repeats": args.repeats, "machine": machine_record(),
              "load_average": session["load_average"], "paths": paths}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
