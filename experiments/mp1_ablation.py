"""Architecture ablation for Miniproject_1: short Noise2Noise runs of several U-Net sizes.

``python -m experiments.mp1_ablation`` trains each (width, depth) on the first ``--pairs``
pairs of the training set for ``--epochs`` epochs (same schedule, seed and data for all), then
records training time, time to denoise one 512x512 image, parameter count and validation PSNR
(course PSNR on ``--val``) in ``results/miniproject_1/ablations.csv``, one row per run (appended).
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from pathlib import Path

import torch

from Miniproject_1.others.inference import denoise
from Miniproject_1.others.training import Placement, TrainConfig, fit
from Miniproject_1.others.unet import UNet
from n2n.data.course import load_train_pairs, load_val
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.precision import use_bfloat16

FIELDS = ["width", "depth", "params", "pairs", "epochs", "batch_size", "lr", "threads",
          "train_seconds", "train_seconds_per_50k_epoch", "predict_512_seconds", "val_set", "val_psnr", "noisy_psnr"]


def run_one(width: int, depth: int, a: torch.Tensor, b: torch.Tensor, val: tuple, epochs: int, config: TrainConfig) -> dict:
    torch.manual_seed(config.seed)
    network = UNet(width=width, depth=depth)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
    device = torch.device("cpu")
    start = time.perf_counter()
    fit(network, optimizer, a, b, epochs, config, Placement(device, bfloat16=use_bfloat16(device)))
    seconds = time.perf_counter() - start
    noisy, clean = val
    value = psnr(denoise(network, noisy, device, network.multiple, use_bfloat16(device)), clean)
    image = torch.rand(1, 3, 512, 512) * 255
    denoise(network, image, device, network.multiple, use_bfloat16(device))  # warm-up
    start = time.perf_counter()
    denoise(network, image, device, network.multiple, use_bfloat16(device))
    return {
        "width": width, "depth": depth, "params": sum(p.numel() for p in network.parameters()),
        "pairs": a.shape[0], "epochs": epochs, "batch_size": config.batch_size, "lr": config.lr,
        "threads": torch.get_num_threads(), "train_seconds": round(seconds, 1),
        "train_seconds_per_50k_epoch": round(seconds * 50_000 / (a.shape[0] * epochs), 1),
        "predict_512_seconds": round(time.perf_counter() - start, 3),
        "val_psnr": round(value, 3), "noisy_psnr": round(psnr(noisy, clean), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("cache/data/train_data.pkl"))
    parser.add_argument("--val", type=Path, default=Path("data/val_data.pkl"))
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--archs", nargs="+", default=["16x2", "24x2", "32x2", "32x3", "48x2"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("results/miniproject_1/ablations.csv"))
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--lr", type=float, default=TrainConfig.lr)
    parser.add_argument("--fresh", action="store_true", help="start a new file instead of appending rows")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    a, b = load_train_pairs(args.data)
    a, b = a[: args.pairs], b[: args.pairs]
    val = load_val(args.val)
    config = TrainConfig(batch_size=args.batch_size, lr=args.lr)
    rows = []
    if args.out.is_file() and not args.fresh:
        with args.out.open(newline="") as file:
            rows = list(csv.DictReader(file))
    for arch in args.archs:
        width, depth = (int(x) for x in arch.split("x"))
        row = run_one(width, depth, a, b, val, args.epochs, config)
        row["val_set"] = args.val.name
        rows.append(row)
        print(row, flush=True)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_text(text.getvalue(), args.out, overwrite=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
