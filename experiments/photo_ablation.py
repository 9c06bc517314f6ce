"""Which U-Net for whole photos? ``python -m experiments.photo_ablation``.

Trains each ``--archs`` variant (WIDTHxDEPTH) with ``n2n train --photos`` on the default pool's
training photos for the same number of steps (same seed, batches, schedule), then scores it on
the 6 whole validation photos (Gaussian sigma 15 / 25 / 50, short side 512; BM3D given sigma beside,
cached) and on the committed 32x32 crop sets, and times one 512x512 inference and one training
step. One row per variant in ``results/miniproject_1/photo_ablation.csv`` (rewritten atomically
after each variant, so a run cut short keeps what it finished). Runs are resumable: a variant
whose checkpoint exists is continued with ``--resume``, a finished one is only re-scored.
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from pathlib import Path

import torch

from Miniproject_1.others.checkpoint import load_network
from Miniproject_1.others.inference import denoise
from Miniproject_1.others.unet import UNet
from n2n.cli import main as n2n_main
from n2n.data.course import load_val
from n2n.evaluation.evaluate import available_val_sets
from n2n.evaluation.whole_photos import evaluate_photos, validation_photos
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT
from n2n.precision import use_bfloat16

CPU = torch.device("cpu")

RESULTS = REPO_ROOT / "results" / "miniproject_1" / "photo_ablation.csv"
WORK = REPO_ROOT / "cache" / "photo_ablation"


def seconds_per_512(network) -> float:
    image = torch.rand(1, 3, 512, 512) * 255
    denoise(network, image, CPU, network.multiple, use_bfloat16(CPU))
    start = time.perf_counter()
    denoise(network, image, CPU, network.multiple, use_bfloat16(CPU))
    return time.perf_counter() - start


def score(arch: str, out: Path, sigmas: tuple[float, ...]) -> dict:
    network = load_network(out)
    predict = lambda images: denoise(network, images, CPU, network.multiple, use_bfloat16(CPU))  # noqa: E731
    photos = evaluate_photos(validation_photos(), {arch: predict}, sigmas=sigmas, progress=False)
    row = {}
    for mean in photos["means"]:
        key = "bm3d" if mean["kind"] == "baseline" else "noisy" if mean["kind"] == "input" else "photo"
        row[f"{key}_sigma{mean['sigma']:g}"] = round(mean["psnr"], 3)
    for name, path in available_val_sets().items():
        noisy, clean = load_val(path)
        row[f"crops_{name}"] = round(psnr(predict(noisy), clean), 3)
    row["predict_512_seconds"] = round(seconds_per_512(network), 3)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=["32x3", "32x5", "40x5", "48x4"])
    parser.add_argument("--steps", type=int, default=500, help="optimiser steps per variant (one epoch)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--crop-size", type=int, default=96)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15.0, 25.0, 50.0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = list(csv.DictReader(args.out.open())) if args.out.is_file() else []
    done = {row["arch"] for row in rows}
    for arch in args.archs:
        if arch in done:
            continue
        out = WORK / f"{arch}.pth"
        resume = ["--resume"] if out.with_name(f"{arch}.last.pth").is_file() else ["--force"]
        start = time.perf_counter()
        code = n2n_main(["train", "--photos", "--arch", arch, "--epochs", "1", "--steps-per-epoch", str(args.steps),
                         "--batch-size", str(args.batch_size), "--crop-size", str(args.crop_size), "--lr", str(args.lr),
                         "--val", str(REPO_ROOT / "data" / "val_data.pkl"), "--out", str(out), "--threads", str(args.threads),
                         "--quiet", *resume])
        if code != 0:
            raise SystemExit(f"training {arch} failed (exit {code})")
        width, depth = map(int, arch.split("x"))
        log = list(csv.DictReader(out.with_suffix(".csv").open()))
        row = {"arch": arch, "params": sum(t.numel() for t in torch.load(out, weights_only=True).values()),
               "kmac_per_pixel": round(UNet(width=width, depth=depth).macs_per_pixel() / 1e3, 1), "steps": args.steps, "batch_size": args.batch_size,
               "crop": args.crop_size, "lr": args.lr, "threads": args.threads,
               "train_seconds": round(sum(float(r["seconds"]) for r in log), 1), "wall_seconds": round(time.perf_counter() - start, 1),
               **score(arch, out, tuple(args.sigmas)), "date": time.strftime("%Y-%m-%d")}
        rows.append(row)
        fields = list(dict.fromkeys(key for r in rows for key in r))
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_text(text.getvalue(), args.out, overwrite=True)
        print({k: row[k] for k in row if k.startswith(("arch", "photo", "bm3d", "crops", "train_seconds"))}, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
