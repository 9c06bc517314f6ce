"""One short session on a lent GPU machine: ``python -m n2n.bench.gpu_session --out DIR [--train-minutes M]``.

A task is lent a GPU rarely and for minutes, so everything it should do is here, in order, each step
timed and logged, none stopping the next (a failure is recorded and the session goes on):

1. ``device``: the GPU, its memory, the torch and CUDA versions;
2. ``cuda_tests``: ``tests/test_cuda_paths.py`` (both course Models and the photo paths on CUDA against the CPU);
3. ``timing``: a course epoch of each ``Model()`` (Miniproject_1 on 50 000 random 32x32 pairs,
   Miniproject_2 on ``--mp2-pairs``; the content does not change the cost), ``predict`` of both shipped
   models on the 1000 committed ``val_data`` crops (best of 3), and a 4000x3000 photo through the shipped
   Miniproject_1 as ``n2n denoise`` runs it (tiles, grey test), with the peak GPU memory;
4. ``training`` (``--train-minutes`` > 0): ``n2n train --photos`` from the shipped weights, with the
   photo pack of ``n2n data pack-photos`` as the photo cache (``--photo-pack``; the machine reaches no
   package mirror). A calibration run of two 100-step epochs times an epoch, then the run gets as many
   500-step epochs as fit, so that its learning-rate schedule ends inside the time given.

Writes ``DIR/gpu_session.json`` and, for step 4, ``DIR/training/`` (the log, the CSV, the best and the last
epoch, and ``model.last.pth`` to resume from; the run's other files stay in ``--work``). Exit status 0
when every step ran.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

import torch

from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT

TRAIN_RECIPE = ["--noise", "gaussian:0-55+gaussian:0-55+poisson+pixelate", "--crop-size", "96", "--tone-fraction", "0.5",
                "--tone-gain-max", "1", "--gray-fraction", "0.1", "--val", "data/val_data.pkl", "--val-photos"]


def synchronized(fn):
    """Seconds ``fn()`` takes, with the GPU's queue drained before and after."""
    torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - start


def device_info() -> dict:
    properties = torch.cuda.get_device_properties(0)
    return {"name": properties.name, "memory_gib": properties.total_memory / 2**30, "torch": torch.__version__,
            "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()}


def cuda_tests() -> dict:
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_cuda_paths.py"],
                         cwd=REPO_ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"CUDA tests failed (exit {run.returncode}):\n{run.stdout[-6000:]}{run.stderr[-2000:]}")
    return {"summary": run.stdout.strip().splitlines()[-1]}


def timing(mp2_pairs: int, mp1_pairs: int = 50_000, photo_size: tuple[int, int] = (3000, 4000)) -> dict:
    import Miniproject_1.model as mp1
    import Miniproject_2.model as mp2
    from n2n.inference.photo import denoise_photo
    from n2n.metrics import psnr

    generator = torch.Generator().manual_seed(0)
    pairs = torch.randint(0, 256, (2, max(mp1_pairs, mp2_pairs), 3, 32, 32), dtype=torch.uint8, generator=generator)
    noisy_crops, clean = torch.load(REPO_ROOT / "data" / "val_data.pkl", weights_only=True)
    result = {"mp1_train_pairs": mp1_pairs,
              "mp1_train_epoch_s": synchronized(lambda: mp1.Model().train(pairs[0, :mp1_pairs], pairs[1, :mp1_pairs], 1))}
    with torch.no_grad():
        result["mp2_train_pairs"] = mp2_pairs
        result["mp2_train_epoch_s"] = synchronized(lambda: mp2.Model().train(pairs[0, :mp2_pairs], pairs[1, :mp2_pairs], 1))
    for name, module in (("mp1", mp1), ("mp2", mp2)):
        model = module.Model()
        model.load_pretrained_model()
        with torch.no_grad():
            output = model.predict(noisy_crops)  # warm-up, and the score (CPU numbers are in docs/methods/speed.md)
            result[f"{name}_predict_1000_s"] = min(synchronized(lambda: model.predict(noisy_crops)) for _ in range(3))
        result[f"{name}_val_data_psnr"] = psnr(output, clean)
    model = mp1.Model()
    model.load_pretrained_model()
    photo = torch.randint(0, 256, (1, 3, *photo_size), dtype=torch.uint8, generator=generator)
    torch.cuda.reset_peak_memory_stats()
    result["mp1_denoise_photo_size"] = list(photo_size)
    result["mp1_denoise_photo_s"] = synchronized(lambda: denoise_photo(model.predict, photo))
    result["mp1_denoise_photo_peak_gpu_gib"] = torch.cuda.max_memory_allocated() / 2**30
    return result


def n2n_train(args: list[str], env: dict, log: Path) -> float:
    """Run ``n2n train`` with ``args``; its output goes to ``log``; seconds taken (``RuntimeError`` if it fails)."""
    start = time.perf_counter()
    with log.open("a") as file:
        run = subprocess.run([sys.executable, "-m", "n2n", "train", *args], cwd=REPO_ROOT, env=env, stdout=file,
                             stderr=subprocess.STDOUT)
    if run.returncode != 0:
        raise RuntimeError(f"n2n train exited {run.returncode}; see {log}")
    return time.perf_counter() - start


def epochs_that_fit(minutes: float, calibration_s: float, epoch_s: float) -> int:
    """500-step epochs that fit in ``minutes`` after a calibration run of two 100-step epochs.

    ``calibration_s``: that run's wall time (start-up included); ``epoch_s``: its second epoch's seconds
    from its CSV (steps and validation, warm). Five of that over-estimate a 500-step epoch (the validation
    is counted five times), and the run's start-up is taken as long as the calibration's, so the run ends
    in time (at least one epoch)."""
    startup = max(0.0, calibration_s - 2 * epoch_s)
    return max(1, math.floor((minutes * 60 - calibration_s - startup) / (5 * epoch_s)))


def training(out: Path, work: Path, minutes: float, pack: Path, batch_size: int, lr: float) -> dict:
    """Train in ``work``; copy back to ``out`` only what a later session needs (the device returns at most 8 files):
    the log, the CSV, the best σ = 25 epoch (``model.pth``), the last epoch and ``model.last.pth`` to resume."""
    if not pack.is_dir():
        raise FileNotFoundError(f"{pack}: no photo pack; build it with `n2n data pack-photos --out {pack}` and carry it")
    env = {**os.environ, "N2N_PHOTO_CACHE": str(pack.resolve()), "PYTHONUNBUFFERED": "1"}
    work.mkdir(parents=True, exist_ok=True)
    common = ["--photos", "--init", "Miniproject_1/bestmodel.pth", *TRAIN_RECIPE, "--batch-size", str(batch_size),
              "--lr", str(lr), "--seed", "20", "--quiet"]
    log = work / "train.log"
    calibration = n2n_train([*common, "--steps-per-epoch", "100", "--epochs", "2", "--out", str(work / "calibration.pth")], env, log)
    with (work / "calibration.csv").open() as file:
        epoch_s = float(list(csv.DictReader(file))[-1]["seconds"])
    epochs = epochs_that_fit(minutes, calibration, epoch_s)
    try:
        seconds = n2n_train([*common, "--steps-per-epoch", "500", "--epochs", str(epochs), "--keep-epochs",
                             "--out", str(work / "model.pth")], env, log)
    finally:
        out.mkdir(parents=True, exist_ok=True)
        kept = [work / name for name in ("train.log", "model.csv", "model.pth", "model.last.pth")]
        kept += sorted(work.glob("model.epoch*.pth"))[-1:]
        for path in kept:
            if path.is_file():
                shutil.copyfile(path, out / path.name)
    return {"calibration_s": calibration, "calibration_epoch_s": epoch_s, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seconds": seconds,
            "command": ["n2n", "train", *common, "--steps-per-epoch", "500", "--epochs", str(epochs), "--keep-epochs"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.bench.gpu_session", description=(
        "One short session on a lent GPU machine: the device, the CUDA tests, timings and an optional training run, "
        "each step timed and logged under --out."))
    parser.add_argument("--out", type=Path, required=True, help="folder for gpu_session.json and training/")
    parser.add_argument("--train-minutes", type=float, default=0.0, help="minutes of photo training after the checks (0: none)")
    parser.add_argument("--photo-pack", type=Path, default=REPO_ROOT / "cache" / "photo_pack")
    parser.add_argument("--work", type=Path, default=Path("/tmp/n2n_gpu_training"), help="where the run writes all its files")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--mp2-pairs", type=int, default=10_000)
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device here: run this on a lent GPU machine")
    steps = {"device": device_info, "cuda_tests": cuda_tests, "timing": lambda: timing(args.mp2_pairs)}
    if args.train_minutes > 0:
        steps["training"] = lambda: training(args.out / "training", args.work, args.train_minutes, args.photo_pack,
                                             args.batch_size, args.lr)
    record, failed = {"date": time.strftime("%Y-%m-%d"), "steps": {}}, False
    for name, step in steps.items():
        start = time.perf_counter()
        try:
            record["steps"][name] = {"ok": True, **step()}
        except Exception as error:  # record and go on: the next step may still work
            failed = True
            record["steps"][name] = {"ok": False, "error": f"{type(error).__name__}: {error}",
                                     "traceback": traceback.format_exc()[-4000:]}
        record["steps"][name]["wall_s"] = time.perf_counter() - start
        print(f"{name}: {json.dumps(record['steps'][name])[:2000]}", flush=True)
        atomic_write_text(json.dumps(record, indent=2) + "\n", args.out / "gpu_session.json", overwrite=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
