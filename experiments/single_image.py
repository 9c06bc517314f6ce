"""Denoising without pairs (issue #11): ``python -m experiments.single_image [--part training|adapt|all]``.

**(a) training** -- same photos, same network, same number of optimiser steps, for each ``--noises``
spec (default Gaussian sigma = 25 and ``mixed``): ``n2n train --photos`` runs that differ only in
``--target``: ``clean`` (Noise2Clean), ``noisy`` (Noise2Noise) and ``single`` (Neighbor2Neighbor on the
noisy input copies alone; for the same seed the very inputs the other two see), plus ``single`` on crops
twice as large (its sub-images as large as the others' crops), each with its sub-image targets taken
before clipping (as the Noise2Noise targets are) and after (``--single-targets clipped``: what a photo
file holds), the clipped ones also with absolute errors (``--single-loss l1``); see :data:`METHODS`. Each network (its
*last* weights: no selection on clean validation data) is scored on the committed 32x32 crop sets
(:func:`n2n.evaluation.evaluate.available_val_sets`, beside the noisy input and BM3D on the first
``--bm3d-crops`` crops) and on the whole validation photos (:func:`n2n.evaluation.whole_photos.evaluate_photos`:
Gaussian ``--sigmas``, noisy input and BM3D given sigma, cached). -> ``OUT_DIR/training.json``.

**(b) adapt** -- ``n2n denoise --adapt`` (:func:`n2n.inference.adapt.adapt`) on the whole validation
photos under noise the shipped Miniproject_1 model did not see (Gaussian sigma = 75; Gaussian with
sigma 5 -> 50 across the image; multiplicative speckle) and under noise it did see (Gaussian 25)
(:mod:`experiments.adapt_noise`): PSNR without and with adaptation, for each ``--adapt-steps``,
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
from typing import NamedTuple

import torch

from experiments.adapt_noise import CONDITIONS, SEEN, noisy_photo
from Miniproject_1.model import BEST_MODEL_PATH, DEFAULT_ARCH
from Miniproject_1.others.inference import denoise
from Miniproject_1.others.unet import UNet
from n2n.evaluation import whole_photos
from n2n.evaluation.evaluate import available_val_sets, evaluate
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT
from n2n.precision import use_bfloat16
from n2n.report.single_image_results import is_shipped_model, model_label, summarise_training
from n2n.training.neighbor2neighbor import PAPER_GAMMA

CPU = torch.device("cpu")

RESULTS = REPO_ROOT / "results" / "single_image"
WORK = REPO_ROOT / "cache" / "single_image"


class Method(NamedTuple):
    """One training run of the table: ``name`` (for ``--methods``), ``target`` (``--target`` of ``n2n train``),
    ``label``, ``crop_scale`` (crop side as a multiple of ``--crop-size``), ``single_targets``, ``single_loss`` and
    ``single_gamma`` (the ``--single-*`` options, passed where not ``None``)."""

    name: str
    target: str
    label: str
    crop_scale: int = 1
    single_targets: str | None = None
    single_loss: str | None = None
    single_gamma: float | None = None


N2N = "Neighbor2Neighbor (single image)"
# Neighbor2Neighbor's loss sees its half-resolution sub-images, a quarter of the crop's pixels; the 2x runs give it
# sub-images as large as the other runs' crops (the same number of loss pixels per step) at about twice the seconds per
# step. Its "clipped" runs take the targets from the uint8 noisy copy, like a real photo (the others' targets are
# unclipped); the "L1" runs train those with absolute errors, whose optimum (the median) clipping does not move; the
# "γ 0.5" runs end the regulariser's ramp at 0.5 (--single-gamma; n2n's default now), the others at the paper's 2.
METHODS = (Method("clean", "clean", "Noise2Clean"), Method("noisy", "noisy", "Noise2Noise"),
           Method("single", "single", N2N, 1, "unclipped", None, PAPER_GAMMA),
           Method("single-2x", "single", f"{N2N}, 2x crops", 2, "unclipped", None, PAPER_GAMMA),
           Method("single-clipped", "single", f"{N2N}, clipped targets", 1, "clipped", None, PAPER_GAMMA),
           Method("single-2x-clipped", "single", f"{N2N}, 2x crops, clipped targets", 2, "clipped", None, PAPER_GAMMA),
           Method("single-clipped-l1", "single", f"{N2N}, clipped targets, L1", 1, "clipped", "l1", PAPER_GAMMA),
           Method("single-2x-clipped-l1", "single", f"{N2N}, 2x crops, clipped targets, L1", 2, "clipped", "l1", PAPER_GAMMA),
           Method("single-2x-clipped-gamma0.5", "single", f"{N2N}, 2x crops, clipped targets, γ 0.5", 2, "clipped", None, 0.5),
           Method("single-2x-clipped-l1-gamma0.5", "single", f"{N2N}, 2x crops, clipped targets, L1, γ 0.5", 2, "clipped", "l1",
                  0.5))
METHOD_NAMES = tuple(method.name for method in METHODS)
QUICK = {"steps": 4, "epochs": 2, "arch": "8x2", "batch_size": 2, "crop_size": 32, "size": 64, "adapt_steps": [2], "timing_size": 0,
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


def train_one(args: argparse.Namespace, noise: str, method: Method, epochs: int, steps_per_epoch: int) -> Path:
    """One ``n2n train --photos`` run (resumed if cut short, skipped if complete); returns its ``--out``."""
    from n2n.cli import main as n2n_main

    target, crop_scale, single_targets, single_loss = method.target, method.crop_scale, method.single_targets, method.single_loss
    # Clipped single-image runs keep the names they had before unclipped targets existed (their checkpoints stand).
    stem = (f"{tag(noise)}_{target}" + ("_unclipped" if single_targets == "unclipped" else "")
            + (f"_{single_loss}" if single_loss else "")
            + (f"_gamma{method.single_gamma:g}".replace(".", "p") if method.single_gamma not in (None, PAPER_GAMMA) else ""))
    out = args.work / (f"{stem}.pth" if crop_scale == 1 else f"{stem}_crop{crop_scale}x.pth")
    last = out.with_name(out.stem + ".last.pth")
    if last.is_file() and not args.force:
        if torch.load(last, map_location="cpu", weights_only=True)["epoch"] >= epochs:
            return out
        resume = ["--resume"]
    else:
        resume = ["--force"]
    command = ["train", "--photos", args.photos, "--target", target, "--noise", noise, "--arch", args.arch,
               "--epochs", str(epochs), "--steps-per-epoch", str(steps_per_epoch), "--batch-size", str(args.batch_size),
               "--crop-size", str(args.crop_size * crop_scale), "--lr", str(args.lr), "--seed", str(args.seed), "--val", str(args.val),
               "--out", str(out), "--threads", str(args.threads), "--quiet", *resume]
    if single_targets is not None:
        command += ["--single-targets", single_targets]
    if single_loss is not None:
        command += ["--single-loss", single_loss]
    if method.single_gamma is not None:
        command += ["--single-gamma", f"{method.single_gamma:g}"]
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
    return lambda images: denoise(network, images, CPU, network.multiple, use_bfloat16(CPU))


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
        for method in METHODS:
            if method.name not in args.methods:
                continue
            started = time.perf_counter()
            out = train_one(args, noise, method, epochs, steps_per_epoch)
            with out.with_suffix(".csv").open(newline="") as file:
                log = list(csv.DictReader(file))
            label = f"{method.label}, {noise}"
            networks[label] = last_network(out)
            runs.append({"label": label, "method": method.label, "target": method.target, "noise": noise, "checkpoint": str(out),
                         "single_targets": method.single_targets, "single_loss": method.single_loss or "l2",
                         "single_gamma": method.single_gamma,
                         "crop_size": args.crop_size * method.crop_scale,
                         "train_seconds": round(sum(float(row["seconds"]) for row in log), 1),
                         "wall_seconds": round(time.perf_counter() - started, 1)})
            print(f"trained {label}", flush=True)
    predictors = {label: predictor(network) for label, network in networks.items()}
    crops = crop_rows(predictors, args.crop_limit, args.bm3d_crops)
    photos = whole_photos.evaluate_photos(args.val_photo_files, predictors, sigmas=args.sigmas, size=args.size,
                                          baselines=[] if args.no_bm3d else [whole_photos.BM3D],
                                          missing="skip", progress=not args.quiet)
    settings = {"photos": args.photos, "noises": args.noises, "methods": args.methods, "arch": args.arch, "epochs": epochs, "sigmas": args.sigmas,
                "steps_per_epoch": steps_per_epoch, "steps": epochs * steps_per_epoch, "batch_size": args.batch_size,
                "crop_size": args.crop_size, "lr": args.lr, "seed": args.seed, "val": str(args.val),
                "scored": "last weights of each run (no selection on clean data)", "quick": args.quick}
    return {"settings": settings, "runs": runs, "crop_sets": crops, "whole_photos": photos}


def training_table(result: dict) -> str:
    """Markdown of :func:`summarise_training` (PSNR, dB)."""
    sigmas = list(result["settings"].get("sigmas") or sorted({s for row in summarise_training(result) for s in row["photos"]}))
    header = "| trained on | denoiser | crops of that noise | " + " | ".join(f"whole photos σ = {s:g}" for s in sigmas) + " |"
    lines = [header, "|---" * (3 + len(sigmas)) + "|"]

    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    for row in summarise_training(result):
        lines.append(f"| {row['noise']} | {row['denoiser']} | {cell(row['crops'])} | "
                     + " | ".join(cell(row["photos"].get(s)) for s in sigmas) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- (b) adapt


def run_adapt(args: argparse.Namespace) -> dict:
    from n2n.inference import denoisers
    from n2n.inference.adapt import ADAPT_BATCH, ADAPT_CROP, BLEND, adapt
    from n2n.inference.self_check import REGION
    from n2n.inference.tiling import denoise_tiled

    predict = denoisers.from_checkpoint(args.checkpoint, "miniproject1")
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
                denoise_seconds = time.perf_counter() - started
                copy_psnr = psnr(whole_photos.quantize(denoise_tiled(predictor(adapted.copy), noisy)), photo.clean)
                rows.append({**base, "steps": steps, "adapt_seconds": adapted.seconds, "crop": adapted.crop,
                             "adapted_psnr": psnr(result, photo.clean), "copy_psnr": copy_psnr, "kept": adapted.kept,
                             "weight": adapted.weight,
                             "score_before": adapted.score_before, "score_after": adapted.score_after,
                             "denoise_seconds": denoise_seconds, "final_loss": adapted.losses[-1]})
                print(f"{photo.id} {condition}: noisy {base['noisy_psnr']:.2f}, shipped {base['shipped_psnr']:.2f}, "
                      f"adapted ({steps} steps, {adapted.seconds:.1f} s) {copy_psnr:.2f} dB, "
                      f"{'kept' if adapted.kept else 'not kept'} -> {rows[-1]['adapted_psnr']:.2f} dB", flush=True)
    means = []
    for condition in args.conditions:
        for steps in args.adapt_steps:
            group = [row for row in rows if row["condition"] == condition and row["steps"] == steps]
            if group:
                means.append({"condition": condition, "steps": steps, "photos": len(group), **{
                    key: sum(row[key] for row in group) / len(group)
                    for key in ("noisy_psnr", "shipped_psnr", "copy_psnr", "adapted_psnr", "adapt_seconds")},
                    "kept": sum(row["kept"] for row in group), "seen": condition in SEEN,
                    "min_copy_gain": min(row["copy_psnr"] - row["shipped_psnr"] for row in group),
                    "min_gain": min(row["adapted_psnr"] - row["shipped_psnr"] for row in group)})
    timing = None
    if args.timing_size:  # the 60 s target is for a 1-megapixel photo: time the default set-up on one
        photo = whole_photos.prepare_photo(args.val_photo_files[0], args.timing_size)
        noisy = noisy_photo(photo.clean, photo.id, "gaussian25", args.seed)
        adapted = adapt(predict, noisy, args.adapt_steps[0], lr=args.adapt_lr, seed=args.seed, desc=None)
        timing = {"photo": photo.id, "height": int(noisy.shape[2]), "width": int(noisy.shape[3]),
                  "megapixels": noisy.shape[2] * noisy.shape[3] / 1e6, "steps": adapted.steps,
                  "seconds": adapted.seconds, "target_seconds": 60.0, "met": adapted.seconds < 60.0,
                  "threads": torch.get_num_threads()}
        print(f"timing: {timing['megapixels']:.2f} MP adapted in {adapted.seconds:.1f} s ({adapted.steps} steps)", flush=True)
    settings = {"model": str(args.checkpoint), "weights_sha256": whole_photos.file_sha256(args.checkpoint), "loss": "Noise2Self, L1",
                "check_region": REGION,
                "conditions": args.conditions, "adapt_steps": args.adapt_steps, "adapt_lr": args.adapt_lr,
                "batch_size": ADAPT_BATCH, "crop": ADAPT_CROP, "size": args.size, "seed": args.seed, "quick": args.quick,
                "psnr": "whole image on [0, 1]; outputs rounded and clipped to uint8 first (what n2n denoise writes)",
                "adapted_psnr": ("n2n denoise --adapt: the average of the shipped network's and the adapted copy's outputs "
                                 f"(weight {BLEND} on the copy) where the self-check kept the copy, else the shipped network"),
                "copy_psnr": "the adapted copy alone on every photo (no check, no average)"}
    return {"settings": settings, "rows": rows, "means": means, "timing_1mp": timing}


def adapt_table(result: dict) -> str:
    lines = ["| noise | steps | noisy (dB) | not adapted (dB) | copy alone (dB) | worst photo | `--adapt` (dB) | worst photo "
             "| copy kept | s adapting |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in result["means"]:
        gain = row["adapted_psnr"] - row["shipped_psnr"]
        copy_gain = row["copy_psnr"] - row["shipped_psnr"]
        seen = " (trained on)" if row["seen"] else ""
        lines.append(f"| {row['condition']}{seen} | {row['steps']} | {row['noisy_psnr']:.2f} | {row['shipped_psnr']:.2f} | "
                     f"{row['copy_psnr']:.2f} ({copy_gain:+.2f}) | {row['min_copy_gain']:+.2f} | {row['adapted_psnr']:.2f} ({gain:+.2f}) | "
                     f"{row['min_gain']:+.2f} | {row['kept']}/{row['photos']} | {row['adapt_seconds']:.1f} |")
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
    parser.add_argument("--methods", nargs="+", choices=METHOD_NAMES, default=list(METHOD_NAMES),
                        help="training runs to make (default all): Noise2Clean, Noise2Noise, and Neighbor2Neighbor on "
                             "same-size or 2x crops with unclipped or clipped targets")
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
    parser.add_argument("--checkpoint", type=Path, default=BEST_MODEL_PATH,
                        help="model to adapt (default: the shipped Miniproject_1/bestmodel.pth, what `n2n denoise --adapt` adapts)")
    parser.add_argument("--timing-size", type=int, default=None,
                        help="also time --adapt on the first photo at this short side (default 832: about 1 megapixel; 0: skip)")
    parser.add_argument("--out-dir", type=Path, default=None, help="default results/single_image (--quick: cache/single_image/quick)")
    parser.add_argument("--work", type=Path, default=None, help="checkpoints (default cache/single_image[/quick])")
    parser.add_argument("--force", action="store_true", help="retrain even where a checkpoint exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--readme-only", action="store_true", help="only refresh the README tables from --out-dir's JSON")
    args = parser.parse_args(argv)
    defaults = {"steps": 5000, "epochs": 5, "arch": "{width}x{depth}".format(**DEFAULT_ARCH), "batch_size": 8, "crop_size": 96,
                "size": whole_photos.DEFAULT_SIZE, "adapt_steps": [DEFAULT_STEPS], "timing_size": 832, "bm3d_crops": 100, "crop_limit": None,
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


def training_block(result: dict) -> str:
    """The README block ``single_image:training``: :func:`training_table` and its set-up."""
    settings = result["settings"]
    return (f"{training_table(result)}\n\nPSNR (dB). U-Net {settings['arch']}, {settings['steps']} Adam steps (peak rate "
            f"{settings['lr']:g}) of {settings['batch_size']} crops of {settings['crop_size']} px from the training photos "
            "(2x crops: twice that side), seed "
            f"{settings['seed']}, last weights. Every target is taken before clipping (the synthetic noise is zero-mean), "
            "except in the rows marked \"clipped targets\", whose sub-image targets come from the uint8 copy, as a photo "
            "file holds them. The regulariser's weight ramps up to the paper's γ = 2, or to 0.5 in the rows marked "
            "\"γ 0.5\" (`--single-gamma`, now the default of `n2n train --single`). Crops: the committed 32x32 set of the "
            "training noise; BM3D on its first 100 crops only (true sigma on `gaussian25`, estimated on `mixed`). Whole photos: the 6 validation photos, short "
            f"side 512 px, BM3D given sigma. Measured {result['date'][:10]} by "
            f"`python -m experiments.single_image --part training --steps {settings['steps']} --epochs {settings['epochs']} "
            f"--crop-size {settings['crop_size']}` "
            "(`results/single_image/training.json`).")


def adapt_block(result: dict) -> str:
    """The README block ``single_image:adapt``: :func:`adapt_table`, the 1-megapixel timing and its set-up."""
    settings, timing = result["settings"], result.get("timing_1mp")
    model = f"the {model_label(settings)}" if is_shipped_model(settings["model"]) else f"`{settings['model']}`"
    text = (f"{adapt_table(result)}\n\nMean whole-image PSNR (dB) over the 6 validation photos (short side {settings['size']} px), "
            f"adapting {model} with the {settings.get('loss', 'Neighbor2Neighbor')} loss; "
            f"Adam at {settings['adapt_lr']:g}, batches of {settings['batch_size']} crops of {settings['crop']} px. "
            "\"Copy alone\": the adapted copy denoises; \"`--adapt`\": what `n2n denoise --adapt` writes, the average of the "
            "shipped network's and the copy's outputs (the shipped network alone where the self-check rejects the copy); "
            "gains against \"not adapted\" in brackets, \"worst photo\": the smallest gain of the 6. \"Copy kept\": photos on "
            "which the self-check used the copy. Seconds: adapting and the check, 2 threads.")
    if timing:
        text += (f" A {timing['width']}x{timing['height']} photo ({timing['megapixels']:.2f} MP) adapted in "
                 f"{timing['seconds']:.1f} s ({timing['steps']} steps; target < 60 s: {'met' if timing['met'] else 'not met'}).")
    return text + f" Measured {result['date'][:10]} (`results/single_image/adapt.json`)."


def update_readme(out_dir: Path) -> None:
    """Refresh both README blocks from the JSON files in ``out_dir`` (those that exist)."""
    from n2n.report.readme_blocks import replace_block

    for name, block in (("training", training_block), ("adapt", adapt_block)):
        path = out_dir / f"{name}.json"
        if path.is_file():
            replace_block(f"single_image:{name}", block(json.loads(path.read_text())))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.readme_only:
        update_readme(args.out_dir)
        return 0
    from n2n import progress

    progress.set_quiet(args.quiet)
    torch.set_num_threads(args.threads)
    args.val_photo_files = (whole_photos.folder_images(args.val_photos) if args.val_photos is not None
                            else whole_photos.validation_photos())
    if args.part in ("training", "all"):
        result = run_training(args)
        write_json(result, args.out_dir / "training.json")
        print(training_table(result))
    if args.part in ("adapt", "all"):
        result = run_adapt(args)
        write_json(result, args.out_dir / "adapt.json")
        print(adapt_table(result))
    if args.out_dir == RESULTS:
        update_readme(args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
