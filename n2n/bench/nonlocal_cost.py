"""What a learned non-local layer would cost on this CPU: ``python -m n2n.bench.nonlocal_cost``.

BM3D's lead at σ = 15 lies at repeated edges (docs/methods/sigma15.md, *Where the loss lies*), where it averages
similar blocks from elsewhere in the photo; a CNN sees only its receptive field. The usual learned
answer is windowed attention at full resolution: every pixel's features compared with those of its
``(2r + 1)^2`` neighbours, and a softmax-weighted mean of their values added back. This times the
shipped 40 x 5 U-Net with such a block (:class:`WindowAttention`) on its last full-resolution features
against the plain network: one Adam step as ``n2n train --photos`` takes it (batch 8 of 96 px crops) and
one 512 x 512 inference, interleaved run by run, medians and ratios to the plain network in
``results/bench/nonlocal_cost.json``. The block is the cost probe of the σ = 15 verdict (docs/methods/sigma15.md), not a
shipped layer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics

import torch
import torch.nn.functional as F
from torch import nn

from Miniproject_1.others.unet import UNet
from n2n.bench.timing import machine_record, time_interleaved
from n2n.bench.precision import PredictStep, TrainStep
from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT
from n2n.precision import use_bfloat16

RESULTS = REPO_ROOT / "results" / "bench" / "nonlocal_cost.json"
DEFAULT_RADII = (3, 5, 7)


class WindowAttention(nn.Module):
    """``(N, C, H, W)`` -> ``(N, C, H, W)``: features plus a softmax-weighted mean of their neighbours' values.

    Queries and keys (``keys`` channels) and values (``values`` channels) are 1x1 projections; each pixel
    attends to the ``(2 radius + 1)^2`` pixels around it (zero padding at the border). The output
    projection starts at zero, so a block added to a trained network leaves its output unchanged."""

    def __init__(self, channels: int, radius: int, keys: int = 8, values: int = 16) -> None:
        super().__init__()
        if radius < 1 or keys < 1 or values < 1:
            raise ValueError(f"WindowAttention needs radius, keys and values >= 1, got {radius}, {keys}, {values}")
        self.radius, self.keys, self.values = radius, keys, values
        self.project = nn.Conv2d(channels, 2 * keys + values, 1)
        self.out = nn.Conv2d(values, channels, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        n, _, height, width = features.shape
        side = 2 * self.radius + 1
        query, key, value = self.project(features).split([self.keys, self.keys, self.values], dim=1)
        keys = F.unfold(key, side, padding=self.radius).view(n, self.keys, side * side, height * width)
        scores = (query.reshape(n, self.keys, 1, height * width) * keys).sum(1) / self.keys**0.5  # (N, K, HW)
        weights = scores.softmax(dim=1)
        values = F.unfold(value, side, padding=self.radius).view(n, self.values, side * side, height * width)
        mixed = (values * weights.unsqueeze(1)).sum(2).view(n, self.values, height, width)
        return features + self.out(mixed)


class NonLocalUNet(UNet):
    """The U-Net with a :class:`WindowAttention` block between its last full-resolution features and its output layer."""

    def __init__(self, radius: int, width: int = 40, depth: int = 5) -> None:
        super().__init__(width=width, depth=depth)
        self.attention = WindowAttention(width, radius)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.tail(self.attention(self.features(x)))


def _with_network(step: TrainStep, network: nn.Module) -> TrainStep:
    step.network = network.to(memory_format=torch.channels_last)
    step.optimizer = torch.optim.Adam(step.network.parameters(), lr=1e-4)
    return step


def measure(radii: list[int], runs: int, bfloat16: bool) -> list[dict]:
    """One row for the plain 40 x 5 and one per radius: step and 512 px inference seconds (medians), ratios to the plain."""
    names = ["plain"] + [f"radius {r}" for r in radii]
    nets = lambda: [UNet(40, 5)] + [NonLocalUNet(r) for r in radii]  # noqa: E731
    train = time_interleaved([_with_network(TrainStep(40, 5, 8, 96, bfloat16, name=name), net)
                              for name, net in zip(names, nets())], runs, 2)
    predict = time_interleaved([_with_network(PredictStep(40, 5, bfloat16, name=name), net)
                                for name, net in zip(names, nets())], runs, 2)
    rows = [{"network": name, "radius": radius, "train_step_seconds": statistics.median(train[name]),
             "predict_512_seconds": statistics.median(predict[name])} for name, radius in zip(names, [0, *radii])]
    for row in rows:
        for key in ("train_step_seconds", "predict_512_seconds"):
            row[f"{key}_ratio"] = row[key] / rows[0][key]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.bench.nonlocal_cost", description=(
        "What a learned non-local layer (windowed attention) would cost on this CPU: the time of a training step and "
        "of a 512 px inference against the plain network (lower is better)."))
    parser.add_argument("--radii", type=int, nargs="+", default=list(DEFAULT_RADII), help="window radii to time (default 3 5 7)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per network (median reported)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS), help="results JSON (overwritten)")
    args = parser.parse_args(argv)
    if args.runs < 1 or min(args.radii) < 1:
        parser.error("--runs and every radius must be at least 1")
    torch.set_num_threads(args.threads)
    bfloat16 = use_bfloat16(torch.device("cpu"))
    rows = measure(args.radii, args.runs, bfloat16)
    for row in rows:
        print(f"{row['network']}: train step {row['train_step_seconds'] * 1e3:.0f} ms ({row['train_step_seconds_ratio']:.2f}x), "
              f"512 px inference {row['predict_512_seconds'] * 1e3:.0f} ms ({row['predict_512_seconds_ratio']:.2f}x)", flush=True)
    result = {"rows": rows, "keys": 8, "values": 16, "precision": "bfloat16" if bfloat16 else "float32",
              "threads": args.threads, "runs": args.runs, "batch": 8, "crop": 96, **machine_record(),
              "load_average_after": list(os.getloadavg())}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
