"""Timing benchmark of Miniproject_1: ``python -m n2n.bench.timing_mp1 [--parts train predict denoise]``.

- ``train``: ``Model().train`` on the 50 000 training pairs, ``num_epochs=1`` (target <= 10 min on CPU);
  the trained weights are kept in ``cache/miniproject_1/timing_train_1epoch.pth``;
- ``predict``: ``predict`` on the 1000 validation crops (target <= 5 s) and on one 512x512 image (<= 2 s),
  best of 3 after a warm-up, with the shipped weights;
- ``denoise``: ``n2n denoise`` on a synthetic noisy 4000x3000 PNG in a child process: wall time and
  peak resident memory (target <= 4 GB);
- ``denoise-adapt``: the same with ``--adapt`` (an option, outside the 60 s target of the default).

Results are merged into ``results/miniproject_1/timing.json`` (one key per part), with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from Miniproject_1.model import BEST_MODEL_PATH, Model
from n2n.data.course import load_train_pairs, load_val
from n2n.data.images import write_image
from n2n.fileio import atomic_torch_save, atomic_write_text
from n2n.metrics import psnr

OUT = Path("results/miniproject_1/timing.json")
TRAINED_WEIGHTS = Path("cache/miniproject_1/timing_train_1epoch.pth")


def time_train(data: Path, val: Path) -> dict:
    a, b = load_train_pairs(data)
    model = Model()
    start, cpu_start = time.perf_counter(), time.process_time()
    model.train(a, b, 1)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    noisy, clean = load_val(val)
    # Kept: these weights are a candidate for Miniproject_1/bestmodel.pth.
    atomic_torch_save({k: v.detach().cpu() for k, v in model.network.state_dict().items()}, TRAINED_WEIGHTS, overwrite=True)
    # On a shared CPU the wall time includes waiting; the process CPU time does not.
    return {"pairs": int(a.shape[0]), "num_epochs": 1, "seconds": round(seconds, 1), "target_seconds": 600,
            "process_cpu_seconds": round(cpu, 1), "load_average_after": os.getloadavg(),
            "val_set": str(val), "val_psnr_after": round(psnr(model.predict(noisy), clean), 3),
            "weights": str(TRAINED_WEIGHTS), "met": seconds <= 600}


def best_of(fn, repeats: int = 3) -> tuple[float, float]:
    """Best wall time of ``repeats`` calls after a warm-up, and the process CPU time of that call."""
    fn()  # warm-up
    runs = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
    return min(runs)


def time_predict(val: Path) -> dict:
    model = Model()
    model.load_pretrained_model()
    noisy, _ = load_val(val)
    image = (torch.rand(1, 3, 512, 512) * 255).to(torch.uint8)
    crops, crops_cpu = best_of(lambda: model.predict(noisy))
    large, large_cpu = best_of(lambda: model.predict(image))
    return {"crops": {"shape": list(noisy.shape), "seconds": round(crops, 3), "process_cpu_seconds": round(crops_cpu, 3),
                      "target_seconds": 5, "met": crops <= 5},
            "image_512": {"shape": list(image.shape), "seconds": round(large, 3), "process_cpu_seconds": round(large_cpu, 3),
                          "target_seconds": 2, "met": large <= 2},
            "load_average_after": os.getloadavg()}


def time_denoise(height: int = 3000, width: int = 4000, options: tuple[str, ...] = ()) -> dict:
    """``n2n denoise [options]`` on a synthetic noisy ``height x width`` PNG in a child process: seconds and peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        generator = torch.Generator().manual_seed(0)
        smooth = F.interpolate(torch.rand(1, 3, max(2, height // 100), max(2, width // 100), generator=generator), size=(height, width), mode="bilinear")
        noisy = (smooth * 255 + 25 * torch.randn(smooth.shape, generator=generator)).clamp(0, 255).round().to(torch.uint8)
        del smooth
        source, target = Path(folder) / "large.png", Path(folder) / "large_denoised.png"
        write_image(noisy, source)
        del noisy
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "n2n", "denoise", str(source), "-o", str(target), *options], check=True)
        seconds = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = children.ru_maxrss * 1024  # kB on Linux
    return {"shape": [1, 3, height, width], "options": list(options), "seconds": round(seconds, 1),
            "process_cpu_seconds": round(children.ru_utime + children.ru_stime, 1), "peak_rss_bytes": peak,
            "peak_rss_gib": round(peak / 2**30, 3), "target_gib": 4, "met": peak <= 4 * 2**30}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.bench.timing_mp1", description=(
        "Timing benchmark of Miniproject_1 against the course targets: a training epoch, predict, and n2n denoise "
        "on a 4000x3000 photo (seconds and peak memory, lower is better)."))
    parser.add_argument("--parts", nargs="+", choices=["train", "predict", "denoise", "denoise-adapt"],
                        default=["train", "predict", "denoise"])
    parser.add_argument("--data", type=Path, default=Path("cache/data/train_data.pkl"))
    parser.add_argument("--val", type=Path, default=Path("data/val_data.pkl"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    results = json.loads(OUT.read_text()) if OUT.is_file() else {}
    machine = {"cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(), "torch_threads": args.threads,
               "torch": torch.__version__, "cuda": torch.cuda.is_available(), "load_average_before": os.getloadavg()}
    for part in args.parts:
        if part == "train":
            key, measured = "train", time_train(args.data, args.val)
        elif part == "predict":
            if not BEST_MODEL_PATH.is_file():
                raise FileNotFoundError(f"{BEST_MODEL_PATH} is missing; the predict timing uses the shipped weights")
            key, measured = "predict", time_predict(args.val)
        elif part == "denoise":
            key, measured = "denoise_4000x3000", time_denoise()
        else:
            key, measured = "denoise_4000x3000_adapt", time_denoise(options=("--adapt", "--quiet"))
        results[key] = {**measured, "machine": machine}
        atomic_write_text(json.dumps(results, indent=2) + "\n", OUT, overwrite=True)
        print(json.dumps({key: results[key]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
