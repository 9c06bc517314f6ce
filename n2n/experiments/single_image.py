"""Denoising without pairs (issue #11): ``python -m n2n.experiments.single_image [--part training|adapt|all]``.

**(a) training** -- same photos, same network, same number of optimiser steps, for each ``--noises``
spec (default Gaussian sigma = 25 and ``mixed``): three ``n2n train --photos`` runs that differ only in
``--target``: ``clean`` (Noise2Clean), ``noisy`` (Noise2Noise) and ``single`` (Neighbor2Neighbor on the
noisy input copies alone; for the same seed the very inputs the other two see). Each network (its
*last* weights: no selection on clean validation data) is scored on the committed 32x32 crop sets
(:func:`n2n.evaluation.evaluate.available_val_sets`, beside the noisy input and BM3D on the first
``--bm3d-crops`` crops) and on the whole validation photos (:func:`n2n.evaluation.whole_photos.evaluate_photos`:
Gaussian ``--sigmas``, noisy input and BM3D given sigma, cached). -> ``OUT_DIR/training.json``.

**(b) adapt** -- ``n2n denoise --adapt`` (:func:`n2n.inference.adapt.adapt`) on the whole validation
photos under noise the shipped Miniproject_1 model did not see (Gaussian sigma = 75; Gaussian with
sigma 5 -> 50 across the image; multiplicative speckle) and under noise it did see (Gaussian 25)
(:mod:`n2n.experiments.adapt_noise`): PSNR without and with adaptation, for each ``--adapt-steps``,
with the seconds spent adapting. -> ``OUT_DIR/adapt.json``.

Runs resume: a training run whose checkpoint is complete is only re-scored, a partial one continues
with ``--resume``. ``--quick`` shrinks everything (a 8x2 U-Net, a few steps, 64 px photos, no BM3D)
so the whole script runs in seconds: a smoke test, not a measurement (its default output folder is
``cache/single_image/quick``, never ``results/``).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import platform
import time
from pathlib import Path

import torch

from Miniproject_1.model import DEFAULT_ARCH
from Miniproject_1.others.inference import denoise
from Miniproject_1.others.unet import UNet
from n2n.evaluation import whole_photos
from n2n.evaluation.evaluate import available_val_sets, evaluate
from n2n.experiments.adapt_noise import CONDITIONS, SEEN, noisy_photo
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT

RESULTS = REPO_ROOT / "results" / "single_image"
WORK = REPO_ROOT / "cache" / "single_image"
METHODS = {"clean": "Noise2Clean", "noisy": "Noise2Noise", "single": "Neighbor2Neighbor (single image)"}
QUICK = {"steps": 4, "epochs": 2, "arch": "8x2", "batch_size": 2, "crop_size": 32, "size": 64, "adapt_steps": [2],
         "bm3d_crops": 0, "crop_limit": 16, "sigmas": [25.0]}


def machine() -> dict:
    return {"processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version()}


def write_json(data: dict, path: Path) -> None:
    data = {**data, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "machine": machine()}
    atomic_write_text(json.dumps(data, indent=2) + "\n", path, overwrite=True)


def tag(noise: str) -> str:
    return noise.replace(":", "").replace("-", "_").replace(".", "p")


# ------------------------------------------------------------------------------------------ (a) training


def train_one(args: argparse.Namespace, noise: str, target: str, epochs: int, steps_per_epoch: int) -> Path:
    """One ``n2n train --photos`` run (resumed if cut short, skipped if complete); returns its ``--out``."""
    from n2n.cli import main as n2n_main

    out = args.work / f"{tag(noise)}_{target}.pth"
    last = out.with_name(out.stem + ".last.pth")
    if last.is_file() and not args.force:
        if torch.load(last, map_location="cpu", weights_only=True)["epoch"] >= epochs:
            return out
        resume = ["--resume"]
    else:
        resume = ["--force"]
    command = ["train", "--photos", args.photos, "--target", target, "--noise", noise, "--arch", args.arch,
               "--epochs", str(epochs), "--steps-per-epoch", str(steps_per_epoch), "--batch-size", str(args.batch_size),
               "--crop-size", str(args.crop_size), "--lr", str(args.lr), "--seed", str(args.seed), "--val", str(args.val),
               "--out", str(out), "--threads", str(args.threads), "--quiet", *resume]
    if n2n_main(command) != 0:
        raise SystemExit(f"training failed: n2n {' '.join(command)}")
    return out


def last_network(out: Path) -> UNet:
    """The *last* weights of a run (``OUT.last.pth``), not the ones chosen on clean validation data."""
    state = torch.load(out.with_name(out.stem + ".last.pth"), map_location="cpu", weights_only=True)
    network = UNet(**state["arch"])
    network.load_state_dict(state["model"])
    return network.eval()


def predictor(network: UNet):
    return lambda images: denoise(network, images, torch.device("cpu"), network.multiple)


def crop_rows(denoisers: dict, limit: int | None, bm3d_crops: int) -> list[dict]:
    """Rows of :func:`n2n.evaluation.evaluate.evaluate` on the committed crop sets, plus BM3D on the first ``bm3d_crops``."""
    sets = available_val_sets()
    rows = evaluate(denoisers, sets, limit=limit)
    if bm3d_crops > 0:
        from n2n.evaluation import baselines

        try:
            import bm3d  # noqa: F401  (the optional package behind baselines.bm3d)
        except ImportError:
            print("skipping BM3D on the crop sets: pip install 'n2n[baselines]'", flush=True)
            return rows

        for name, path in sets.items():  # true sigma where the set has one, else estimated per crop
            sigma = 25.0 if name == "gaussian25" else None
            label = f"BM3D ({'true sigma 25' if sigma else 'sigma estimated'}), first {bm3d_crops} crops"
            rows += [dict(row, denoiser=label) for row in evaluate({"bm3d": baselines.bm3d(sigma)}, {name: path}, limit=bm3d_crops)
                     if row["denoiser"] == "bm3d"]
    return rows


def run_training(args: argparse.Namespace) -> dict:
    epochs = max(1, min(args.epochs, args.steps))
    steps_per_epoch = math.ceil(args.steps / epochs)
    runs, networks = [], {}
    for noise in args.noises:
        for target, method in METHODS.items():
            started = time.perf_counter()
            out = train_one(args, noise, target, epochs, steps_per_epoch)
            with out.with_suffix(".csv").open(newline="") as file:
                log = list(csv.DictReader(file))
            label = f"{method}, {noise}"
            networks[label] = last_network(out)
            runs.append({"label": label, "method": method, "target": target, "noise": noise, "checkpoint": str(out),
                         "train_seconds": round(sum(float(row["seconds"]) for row in log), 1),
                         "wall_seconds": round(time.perf_counter() - started, 1)})
            print(f"trained {label}", flush=True)
    predictors = {label: predictor(network) for label, network in networks.items()}
    crops = crop_rows(predictors, args.crop_limit, args.bm3d_crops)
    photos = whole_photos.evaluate_photos(args.val_photo_files, predictors, sigmas=args.sigmas, size=args.size,
                                          baselines=[] if args.no_bm3d else [whole_photos.BM3D],
                                          missing="skip", progress=not args.quiet)
    settings = {"photos": args.photos, "noises": args.noises, "arch": args.arch, "epochs": epochs,
                "steps_per_epoch": steps_per_epoch, "steps": epochs * steps_per_epoch, "batch_size": args.batch_size,
                "crop_size": args.crop_size, "lr": args.lr, "seed": args.seed, "val": str(args.val),
                "scored": "last weights of each run (no selection on clean data)", "quick": args.quick}
    return {"settings": settings, "runs": runs, "crop_sets": crops, "whole_photos": photos}


# --------------------------------------------------------------------------------------------- (b) adapt


def run_adapt(args: argparse.Namespace) -> dict:
    from n2n.inference import denoisers
    from n2n.inference.adapt import ADAPT_BATCH, ADAPT_CROP, adapt
    from n2n.inference.tiling import denoise_tiled

    predict = denoisers.from_checkpoint(args.checkpoint, "miniproject1") if args.checkpoint else denoisers.get("miniproject1")
    rows = []
    for photo_file in args.val_photo_files:
        photo = whole_photos.prepare_photo(photo_file, args.size)
        for condition in args.conditions:
            noisy = noisy_photo(photo.clean, photo.id, condition, args.seed)
            started = time.perf_counter()
            shipped = whole_photos.quantize(denoise_tiled(predict, noisy))
            base = {"photo": photo.id, "condition": condition, "seen": condition in SEEN,
                    "height": int(noisy.shape[2]), "width": int(noisy.shape[3]), "noisy_psnr": psnr(noisy, photo.clean),
                    "shipped_psnr": psnr(shipped, photo.clean), "shipped_seconds": time.perf_counter() - started}
            for steps in args.adapt_steps:
                adapted = adapt(predict, noisy, steps, lr=args.adapt_lr, seed=args.seed,
                                desc=None if args.quiet else f"adapt {photo.id} {condition}")
                started = time.perf_counter()
                result = whole_photos.quantize(denoise_tiled(adapted, noisy))
                rows.append({**base, "steps": steps, "adapt_seconds": adapted.seconds, "crop": adapted.crop,
                             "adapted_psnr": psnr(result, photo.clean), "denoise_seconds": time.perf_counter() - started,
                             "final_loss": adapted.losses[-1]})
                print(f"{photo.id} {condition}: noisy {base['noisy_psnr']:.2f}, shipped {base['shipped_psnr']:.2f}, "
                      f"adapted ({steps} steps, {adapted.seconds:.1f} s) {rows[-1]['adapted_psnr']:.2f} dB", flush=True)
    means = []
    for condition in args.conditions:
        for steps in args.adapt_steps:
            group = [row for row in rows if row["condition"] == condition and row["steps"] == steps]
            if group:
                means.append({"condition": condition, "steps": steps, "photos": len(group), **{
                    key: sum(row[key] for row in group) / len(group)
                    for key in ("noisy_psnr", "shipped_psnr", "adapted_psnr", "adapt_seconds")}})
    settings = {"model": str(args.checkpoint) if args.checkpoint else "Miniproject_1 shipped (bestmodel.pth)",
                "conditions": args.conditions, "adapt_steps": args.adapt_steps, "adapt_lr": args.adapt_lr,
                "batch_size": ADAPT_BATCH, "crop": ADAPT_CROP, "size": args.size, "seed": args.seed, "quick": args.quick,
                "psnr": "whole image on [0, 1]; outputs rounded and clipped to uint8 first (what n2n denoise writes)"}
    return {"settings": settings, "rows": rows, "means": means}


def adapt_table(result: dict) -> str:
    lines = ["| noise | steps | noisy (dB) | shipped (dB) | adapted (dB) | s adapting |", "|---|---|---|---|---|---|"]
    for row in result["means"]:
        lines.append(f"| {row['condition']} | {row['steps']} | {row['noisy_psnr']:.2f} | {row['shipped_psnr']:.2f} | "
                     f"{row['adapted_psnr']:.2f} | {row['adapt_seconds']:.1f} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from n2n.inference.adapt import ADAPT_LR, DEFAULT_STEPS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["training", "adapt", "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="tiny settings, seconds: a smoke test, not a measurement")
    parser.add_argument("--photos", default="default", help="training photos: a folder, or 'default' (the default pool)")
    parser.add_argument("--val-photos", type=Path, help="folder of whole photos to score on (default: the 6 validation photos)")
    parser.add_argument("--val", type=Path, default=REPO_ROOT / "data" / "val_data.pkl", help="per-epoch validation crops of n2n train")
    parser.add_argument("--noises", nargs="+", default=["gaussian:25", "mixed"])
    parser.add_argument("--steps", type=int, default=None, help="optimiser steps per network (default 5000)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs the steps are split into (default 5)")
    parser.add_argument("--arch", default=None, help="U-Net WIDTHxDEPTH (default: the shipped one)")
    parser.add_argument("--batch-size", type=int, default=None, help="default 8")
    parser.add_argument("--crop-size", type=int, default=None, help="default 96")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sigmas", type=float, nargs="+", default=None, help="whole-photo Gaussian sigmas (default 15 25 50)")
    parser.add_argument("--size", type=int, default=None, help="whole-photo short side in px (default 512)")
    parser.add_argument("--crop-limit", type=int, default=None, help="score on the first N crops of each set (default all)")
    parser.add_argument("--bm3d-crops", type=int, default=None, help="BM3D on the first N crops of each set (default 100; 0: none)")
    parser.add_argument("--no-bm3d", action="store_true", help="leave BM3D out of both tables")
    parser.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    parser.add_argument("--adapt-steps", type=int, nargs="+", default=None, help=f"default {DEFAULT_STEPS}")
    parser.add_argument("--adapt-lr", type=float, default=ADAPT_LR)
    parser.add_argument("--checkpoint", type=Path, help="model to adapt instead of the shipped Miniproject_1 one")
    parser.add_argument("--out-dir", type=Path, default=None, help="default results/single_image (--quick: cache/single_image/quick)")
    parser.add_argument("--work", type=Path, default=None, help="checkpoints (default cache/single_image[/quick])")
    parser.add_argument("--force", action="store_true", help="retrain even where a checkpoint exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    defaults = {"steps": 5000, "epochs": 5, "arch": "{width}x{depth}".format(**DEFAULT_ARCH), "batch_size": 8, "crop_size": 96,
                "size": whole_photos.DEFAULT_SIZE, "adapt_steps": [DEFAULT_STEPS], "bm3d_crops": 100, "crop_limit": None,
                "sigmas": list(whole_photos.DEFAULT_SIGMAS)}
    for key, value in (QUICK if args.quick else defaults).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.steps < 1 or any(steps < 1 for steps in args.adapt_steps):
        parser.error("--steps and --adapt-steps must be >= 1")
    args.no_bm3d = args.no_bm3d or args.quick
    if args.no_bm3d:
        args.bm3d_crops = 0
    args.out_dir = args.out_dir or (WORK / "quick" if args.quick else RESULTS)
    args.work = args.work or (WORK / "quick" if args.quick else WORK)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from n2n import progress

    progress.set_quiet(args.quiet)
    torch.set_num_threads(args.threads)
    args.val_photo_files = (whole_photos.folder_images(args.val_photos) if args.val_photos is not None
                            else whole_photos.validation_photos())
    if args.part in ("training", "all"):
        result = run_training(args)
        write_json(result, args.out_dir / "training.json")
        print(whole_photos.format_table(result["whole_photos"]))
    if args.part in ("adapt", "all"):
        result = run_adapt(args)
        write_json(result, args.out_dir / "adapt.json")
        print(adapt_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
