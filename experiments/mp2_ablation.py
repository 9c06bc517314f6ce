"""Ablation for Miniproject_2's prescribed network: widths, kernel, upsampling kind, optimizer, batch.

``python -m experiments.mp2_ablation`` trains every named variant of the course network on the
framework (``Miniproject_2.others.training.fit``), all on the same first ``--pairs`` training pairs
for ``--epochs`` epochs from the same seed, and records training time, final training loss and the
course PSNR on every committed validation set in ``results/miniproject_2/ablations.csv``. Variants
already in the file for the same data budget are skipped, so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from dataclasses import replace
from pathlib import Path

import torch

from Miniproject_2.others.network import course_network
from Miniproject_2.others.training import (
    TrainConfig,
    fit,
    make_optimizer,
    predict_batches,
)
from n2n.data.course import load_train_pairs, load_val
from n2n.evaluation.evaluate import VAL_SETS, available_val_sets
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT as ROOT
from n2n.report.readme_blocks import replace_block

RESULTS = ROOT / "results" / "miniproject_2" / "ablations.csv"
BASE_ARCH = {"widths": (32, 64), "kernel_size": 3, "upsampling": "nearest"}
BASE_CONFIG = TrainConfig(batch_size=32, optimizer="adam", lr=2e-3)

# name -> (architecture changes, training changes) relative to the base.
VARIANTS = {
    "base 32/64 k3 nearest adam b32": ({}, {}),
    "widths 16/32": ({"widths": (16, 32)}, {}),
    "widths 48/96": ({"widths": (48, 96)}, {}),
    "widths 64/128": ({"widths": (64, 128)}, {}),
    "widths 96/96": ({"widths": (96, 96)}, {}),
    "kernel 5": ({"kernel_size": 5}, {}),
    "transposed conv upsampling": ({"upsampling": "transpose"}, {}),
    "sgd momentum 0.9 lr 0.05": ({}, {"optimizer": "sgd", "lr": 0.05}),
    "sgd momentum 0.9 lr 0.2": ({}, {"optimizer": "sgd", "lr": 0.2}),
    "adam lr 1e-3": ({}, {"lr": 1e-3}),
    "adam lr 4e-3": ({}, {"lr": 4e-3}),
    "batch 16": ({}, {"batch_size": 16}),
    "batch 64 lr 3e-3": ({}, {"batch_size": 64, "lr": 3e-3}),
    "no augmentation": ({}, {"augment": False}),
    # The two best changes above, combined with the best width: the shipped set-up.
    "widths 64/128 batch 16 lr 4e-3": ({"widths": (64, 128)}, {"batch_size": 16, "lr": 4e-3}),
}
FIELDS = ["variant", "widths", "kernel_size", "upsampling", "optimizer", "lr", "batch_size", "augment", "params",
          "pairs", "epochs", "threads", "train_seconds", "final_loss"] + [f"psnr_{name}" for name in VAL_SETS]


def run_variant(name: str, a, b, val_sets: dict, epochs: int) -> dict:
    arch_changes, config_changes = VARIANTS[name]
    arch = {**BASE_ARCH, **arch_changes}
    config = replace(BASE_CONFIG, **config_changes)
    torch.manual_seed(config.seed)
    network = course_network(**arch)
    optimizer = make_optimizer(network, config)
    start = time.perf_counter()
    with torch.no_grad():
        losses = fit(network, optimizer, a, b, epochs, config, "cpu", torch.float32)
        seconds = time.perf_counter() - start
        scores = {f"psnr_{name}": round(psnr(predict_batches(network, noisy, "cpu", torch.float32, 4), clean), 3)
                  for name, (noisy, clean) in val_sets.items()}
    return {
        "variant": name, "widths": "/".join(map(str, arch["widths"])), "kernel_size": arch["kernel_size"],
        "upsampling": arch["upsampling"], "optimizer": config.optimizer, "lr": config.lr, "batch_size": config.batch_size,
        "augment": config.augment, "params": sum(v.numel() for v in network.parameters()), "pairs": a.shape[0],
        "epochs": epochs, "threads": torch.get_num_threads(), "train_seconds": round(seconds, 1),
        "final_loss": round(losses[-1], 6), **scores,
    }


def read_rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open())) if path.exists() else []


def write_rows(rows: list[dict], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(buffer.getvalue(), path, overwrite=True)


def readme_table(rows: list[dict]) -> str:
    """Markdown: one line per variant with its size, time and PSNR per validation set."""
    sets = [name for name in VAL_SETS if rows and f"psnr_{name}" in rows[0]]
    lines = ["| variant | parameters | train time (s) | " + " | ".join(f"{name} (dB)" for name in sets) + " |",
             "|---" * (3 + len(sets)) + "|"]
    for row in rows:
        lines.append(f"| {row['variant']} | {row['params']} | {row['train_seconds']} | "
                     + " | ".join(f"{float(row[f'psnr_{name}']):.2f}" for name in sets) + " |")
    pairs, epochs, threads = (rows[0][key] for key in ("pairs", "epochs", "threads")) if rows else ("?", "?", "?")
    return f"{pairs} pairs × {epochs} epochs each, {threads} CPU thread(s) (times measured while the machine's load varied, so not comparable across rows):\n\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "cache" / "data" / "train_data.pkl")
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), metavar="VARIANT")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--readme-only", action="store_true", help="only refresh the README table from --out")
    args = parser.parse_args(argv)
    if args.readme_only:
        replace_block("mp2:ablation", readme_table(read_rows(args.out)))
        return 0
    torch.set_num_threads(args.threads)
    a, b = load_train_pairs(args.data)
    a, b = a[:args.pairs], b[:args.pairs]
    val_sets = {name: load_val(path) for name, path in available_val_sets(ROOT).items()}
    rows = read_rows(args.out)
    done = {(row["variant"], int(row["pairs"]), int(row["epochs"])) for row in rows}
    for name in args.variants:
        if (name, a.shape[0], args.epochs) in done:
            continue
        row = run_variant(name, a, b, val_sets, args.epochs)
        print(", ".join(f"{k}={v}" for k, v in row.items()), flush=True)
        rows.append(row)
        write_rows(rows, args.out)
    if args.out == RESULTS:
        replace_block("mp2:ablation", readme_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
