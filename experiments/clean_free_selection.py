"""Do the clean-free scores of ``n2n train`` pick the epoch that clean PSNR would?

``python -m experiments.clean_free_selection`` trains short ``n2n train`` runs *without* ``--val`` (so a part of
the data is held out, as for a user with nothing but noisy images) and with ``--keep-epochs``, then scores every
epoch's weights, the starting ones ("epoch 0") included, in two ways on the same held-out data:

- the clean-free scores: the one ``n2n train`` selects with (``heldout_pair_error``: the mean absolute
  Noise2Noise error on held-out pairs; ``heldout_masked_error``: the masked self-supervised absolute error on
  held-out single photos) and the candidates it was chosen over: the squared Noise2Noise error (``pair_l2``;
  clipping to [0, 255] biases it), the squared error on mid-tone pixels only (``pair_l2_midtones``: pixels
  whose 5x5 mean in the *input* copy lies in [40, 215], so the mask does not depend on the target's noise), and
  the masked squared error (``masked_l2``);
- the PSNR of the denoised held-out images against their clean versions, which the data keeps for this study.

Per run and score: Spearman's rank correlation with the clean PSNR over the epochs, and the PSNR lost by
keeping the epoch the score ranks best instead of the best one by clean PSNR (``psnr_lost_db``), and by keeping
the epoch ``n2n train`` keeps (``kept_psnr_lost_db``: the starting weights unless an epoch beats them by
``MIN_GAIN``, Miniproject_1/others/finetune.py); target: at most 0.05 dB. Runs from trained weights (the shipped
ones, the default for users' data) include epoch 0 among the candidates, as the keep-the-best guard does; a
run from scratch does not (its start is random weights).

Data (cached in ``cache/clean_free_selection/``): course-format pairs with their clean crops (``n2n data
build --keep-clean``, training photos of the default pool), and 256 px tiles of training photos of the default
pool with synthetic noise (``gaussian:10-50+poisson``, two copies for the folder runs, one for the single-image
runs). Each run is a few short epochs on the CPU; ``--threads`` sets torch's threads. A run whose epoch files exist in
``cache/clean_free_selection/runs/`` is not trained again, only scored (``train_seconds`` comes from its CSV).
Writes ``results/training/clean_free_selection.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from Miniproject_1.others.checkpoint import load_network
from Miniproject_1.others.finetune import MIN_GAIN
from Miniproject_1.others.heldout import heldout_error
from Miniproject_1.others.inference import denoise
from n2n.data.course import load_train_pairs
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.training.holdout import split_images, split_pairs
from n2n.training.start import FINE_TUNE_LR, SHIPPED_WEIGHTS

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "cache" / "clean_free_selection"
NOISE = "gaussian:10-50+poisson"
TILE = 256
MIDTONES = (40.0, 215.0)
PAIRS = 1200
TILES = 12
HARMFUL_LR = 1e-3  # the from-scratch default, which took the shipped weights from 30.0 to 25.0 dB (issue 33)


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation of two equally long lists (average ranks for ties)."""
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        result = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                result[order[k]] = (i + j) / 2
            i = j + 1
        return result

    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    var = math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    return cov / var if var else float("nan")


# ------------------------------------------------------------------------------------------------ data


def build_pairs() -> Path:
    """Course-format pairs with their clean crops, built once by ``n2n data build``."""
    folder = CACHE / "pairs"
    if not (folder / "train_clean.pkl").is_file():
        subprocess.run([sys.executable, "-m", "n2n", "data", "build", "--out", str(folder), "--pairs", str(PAIRS),
                        "--val", "1", "--seed", "7", "--keep-clean", "--no-progress", "--force"], check=True, cwd=ROOT)
    return folder


def photo_tiles() -> torch.Tensor:
    """``TILES`` clean uint8 ``(TILES, 3, 256, 256)`` tiles: two per training photo of the default pool (short side
    scaled to 512 px, Lanczos), from the first photos by id."""
    from PIL import Image

    from n2n.data.images import open_rgb
    from n2n.data.photos import training_photos

    tiles = []
    for photo in training_photos()[: TILES // 2]:
        image = open_rgb(photo.path)
        scale = 2 * TILE / min(image.size)
        image = image.resize((round(image.size[0] * scale), round(image.size[1] * scale)), Image.LANCZOS)
        array = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8).view(image.size[1], image.size[0], 3)
        array = array.permute(2, 0, 1)
        tiles += [array[:, :TILE, :TILE], array[:, TILE:2 * TILE, -TILE:]]
    return torch.stack(tiles).contiguous()


def build_tiles() -> Path:
    """Folders ``clean/``, ``a/``, ``b/`` of noisy tile PNGs (two independent copies, same noise level per tile)."""
    from n2n.data.images import write_image
    from n2n.data.noise import parse_noise

    folder = CACHE / "tiles"
    if (folder / "b" / f"tile{TILES - 1:02d}.png").is_file():
        return folder
    clean = photo_tiles()
    a, b = parse_noise(NOISE).corrupt_pair(clean, torch.Generator().manual_seed(11))
    for index in range(clean.shape[0]):
        for name, images in (("clean", clean), ("a", a), ("b", b)):
            write_image(images[index:index + 1], folder / name / f"tile{index:02d}.png", overwrite=True)
    return folder


# ------------------------------------------------------------------------------------------------ runs


def train(run: str, options: list[str], epochs: int, threads: int) -> Path:
    """``n2n train OPTIONS --keep-epochs`` into ``cache/clean_free_selection/runs/RUN/model.pth`` (once)."""
    from n2n.cli import main

    out = CACHE / "runs" / run / "model.pth"
    if not (out.with_name(f"model.epoch{epochs:03d}.pth")).is_file():
        code = main(["train", *options, "--epochs", str(epochs), "--keep-epochs", "--out", str(out), "--threads",
                     str(threads), "--seed", "0", "--force", "--quiet"])
        if code != 0:
            raise RuntimeError(f"n2n train failed for {run}")
    return out


def train_seconds(out: Path) -> float:
    """The seconds ``n2n train`` spent on the run of ``out`` (its CSV: training and the epoch-0 scoring)."""
    import csv

    with out.with_suffix(".csv").open() as file:
        return round(sum(float(row["seconds"]) for row in csv.DictReader(file)), 1)


def epoch_networks(out: Path, epochs: int, start: Path | None) -> list[tuple[int, torch.nn.Module]]:
    """``(epoch, network)`` for the starting weights (``start``, if any) and every kept epoch."""
    networks = [(0, load_network(start))] if start is not None else []
    return networks + [(epoch, load_network(out.with_name(f"model.epoch{epoch:03d}.pth"))) for epoch in range(1, epochs + 1)]


def predictor(network: torch.nn.Module):
    return lambda images: denoise(network, images, torch.device("cpu"), network.multiple, False)


def midtone_mask(images: torch.Tensor) -> torch.Tensor:
    """bool ``(N, 1, H, W)``: pixels whose 5x5 mean (all channels) in ``images`` lies in :data:`MIDTONES`."""
    local = F.avg_pool2d(images.float().mean(dim=1, keepdim=True), 5, stride=1, padding=2, count_include_pad=False)
    return (local >= MIDTONES[0]) & (local <= MIDTONES[1])


def pair_scores(predict, first: torch.Tensor, second: torch.Tensor, clean: torch.Tensor) -> dict:
    """The pair scores and the clean PSNR (both copies denoised, mean per image) of one network."""
    out_a, out_b = predict(first), predict(second)
    l2 = (((out_a - second.float()) ** 2).mean() + ((out_b - first.float()) ** 2).mean()) / 2
    mask_a, mask_b = midtone_mask(first).expand_as(out_a), midtone_mask(second).expand_as(out_b)
    midtones = (((out_a - second.float()) ** 2)[mask_a].sum() + ((out_b - first.float()) ** 2)[mask_b].sum()) / \
        (mask_a.sum() + mask_b.sum())
    return {"heldout_pair_error": heldout_error(predict, first, second), "pair_l2": float(l2),
            "pair_l2_midtones": float(midtones), "clean_psnr": (psnr(out_a, clean) + psnr(out_b, clean)) / 2}


def masked_scores(predict, noisy: list[torch.Tensor], clean: list[torch.Tensor]) -> dict:
    """The masked scores (absolute, as n2n train selects with; and squared) and the clean PSNR of one network on
    single noisy images ``(1, 3, H, W)``."""
    from n2n.inference.self_check import OFFSETS, masked_score
    from n2n.inference.tiling import denoise_tiled
    from n2n.training.noise2self import grid_mask, masked_input

    absolute = sum(masked_score(predict, image, region=None) for image in noisy) / len(noisy)
    squared, count = 0.0, 0
    for image in noisy:
        image = image.float()
        for row, column in OFFSETS:
            hidden = grid_mask(image.shape[-2], image.shape[-1], row, column)
            output = denoise_tiled(predict, masked_input(image, hidden))
            squared += float(((output - image) ** 2 * hidden).sum())
            count += int(hidden.sum()) * image.shape[1]
    clean_psnr = sum(psnr(predict(image), target) for image, target in zip(noisy, clean)) / len(noisy)
    return {"heldout_masked_error": absolute, "masked_l2": squared / count, "clean_psnr": clean_psnr}


def guard_choice(values: list[float], epochs: list[int], margin: float) -> int:
    """The index of the epoch the keep-the-best guard keeps by the lower-is-better ``values``: the starting weights
    (epoch 0, if among ``epochs``) unless an epoch beats them by ``margin`` (relative), else the lowest."""
    best = 0
    for index in range(1, len(values)):
        bar = values[best] * (1 - margin) if epochs[best] == 0 else values[best]
        if values[index] < bar:
            best = index
    return best


def summarise(records: list[dict], scores: list[str]) -> dict:
    """Per score: Spearman's rho with the clean PSNR over the epochs, and the PSNR lost by keeping the epoch it
    ranks best (``chosen``) and the epoch the guard keeps (``kept``: with :data:`MIN_GAIN` over the start)."""
    clean = [record["clean_psnr"] for record in records]
    epochs = [record["epoch"] for record in records]
    best = max(clean)
    summary = {"best_epoch_by_psnr": epochs[clean.index(best)]}
    for name in scores:
        values = [record[name] for record in records]
        chosen = values.index(min(values))  # every clean-free score here is lower-is-better
        kept = guard_choice(values, epochs, MIN_GAIN)
        rho = -spearman(values, clean)
        summary[name] = {"spearman_with_psnr": None if math.isnan(rho) else round(rho, 3),
                         "chosen_epoch": epochs[chosen], "psnr_lost_db": round(best - clean[chosen], 4),
                         "kept_epoch": epochs[kept], "kept_psnr_lost_db": round(best - clean[kept], 4)}
    return summary


def run_pairs(name: str, options: list[str], epochs: int, threads: int, start: Path | None) -> dict:
    data = build_pairs()
    out = train(name, ["--data", str(data / "train_data.pkl"), *options], epochs, threads)
    a, b = load_train_pairs(data / "train_data.pkl")
    clean = torch.load(data / "train_clean.pkl", weights_only=True)  # the clean crops, (N, 3, 32, 32) uint8
    held = split_pairs(a.shape[0])[1]
    records = []
    for epoch, network in epoch_networks(out, epochs, start):
        records.append({"epoch": epoch, **pair_scores(predictor(network), a[held], b[held], clean[held])})
    scores = ["heldout_pair_error", "pair_l2", "pair_l2_midtones"]
    return {"command": ["n2n", "train", "--data", "train_data.pkl", *options, "--epochs", str(epochs), "--keep-epochs"],
            "held_out": len(held), "train_seconds": train_seconds(out), "epochs": records,
            "summary": summarise(records, scores)}


def tile_split(folder: Path) -> list[str]:
    names = sorted(path.stem for path in (folder / "a").glob("*.png"))
    return [names[index] for index in split_images(names, "tiles")[1]]


def run_folders(name: str, options: list[str], epochs: int, threads: int, start: Path | None) -> dict:
    from n2n.data.images import read_image

    tiles = build_tiles()
    out = train(name, ["--noisy-a", str(tiles / "a"), "--noisy-b", str(tiles / "b"), *options], epochs, threads)
    held = tile_split(tiles)
    first = torch.cat([read_image(tiles / "a" / f"{stem}.png") for stem in held])
    second = torch.cat([read_image(tiles / "b" / f"{stem}.png") for stem in held])
    clean = torch.cat([read_image(tiles / "clean" / f"{stem}.png") for stem in held])
    records = [{"epoch": epoch, **pair_scores(predictor(network), first, second, clean)}
               for epoch, network in epoch_networks(out, epochs, start)]
    return {"command": ["n2n", "train", "--noisy-a", "a/", "--noisy-b", "b/", *options, "--epochs", str(epochs),
                        "--keep-epochs"], "held_out": held, "train_seconds": train_seconds(out), "epochs": records,
            "summary": summarise(records, ["heldout_pair_error", "pair_l2", "pair_l2_midtones"])}


def run_single(name: str, options: list[str], epochs: int, threads: int, start: Path | None) -> dict:
    from n2n.data.images import read_image

    tiles = build_tiles()
    out = train(name, ["--single", str(tiles / "a"), *options], epochs, threads)
    held = tile_split(tiles)
    noisy = [read_image(tiles / "a" / f"{stem}.png") for stem in held]
    clean = [read_image(tiles / "clean" / f"{stem}.png") for stem in held]
    records = [{"epoch": epoch, **masked_scores(predictor(network), noisy, clean)}
               for epoch, network in epoch_networks(out, epochs, start)]
    return {"command": ["n2n", "train", "--single", "a/", *options, "--epochs", str(epochs), "--keep-epochs"],
            "held_out": held, "train_seconds": train_seconds(out), "epochs": records,
            "summary": summarise(records, ["heldout_masked_error", "masked_l2"])}


def plan(epochs: int) -> list[tuple[str, callable, list[str], Path | None]]:
    """The runs: (name, kind, extra options, starting weights or None)."""
    shipped = SHIPPED_WEIGHTS
    fine = ["--init", str(shipped)]
    return [
        ("pairs_finetune", run_pairs, [*fine], shipped),
        ("pairs_finetune_harmful_lr", run_pairs, [*fine, "--lr", f"{HARMFUL_LR:g}"], shipped),
        ("pairs_scratch_16x3", run_pairs, ["--arch", "16x3", "--lr", "2e-3"], None),
        ("folders_finetune", run_folders, ["--crops", "384"], shipped),
        ("folders_finetune_harmful_lr", run_folders, ["--crops", "384", "--lr", f"{HARMFUL_LR:g}"], shipped),
        ("single_finetune", run_single, ["--steps-per-epoch", "15", "--batch-size", "4"], shipped),
        ("single_finetune_harmful_lr", run_single, ["--steps-per-epoch", "15", "--batch-size", "4", "--lr",
                                                    f"{HARMFUL_LR:g}"], shipped),
    ]


def overall(runs: dict) -> dict:
    """Worst and mean PSNR lost, and mean rho (over the runs where it is defined), per score over the runs that have
    it."""
    result = {}
    for run in runs.values():
        for name, value in run["summary"].items():
            if isinstance(value, dict):
                result.setdefault(name, []).append(value)
    def mean(numbers: list) -> float | None:
        numbers = [number for number in numbers if number is not None]
        return round(sum(numbers) / len(numbers), 3) if numbers else None

    return {name: {"runs": len(values), "worst_psnr_lost_db": max(v["psnr_lost_db"] for v in values),
                   "mean_psnr_lost_db": mean([v["psnr_lost_db"] for v in values]),
                   "worst_kept_psnr_lost_db": max(v["kept_psnr_lost_db"] for v in values),
                   "mean_kept_psnr_lost_db": mean([v["kept_psnr_lost_db"] for v in values]),
                   "mean_spearman": mean([v["spearman_with_psnr"] for v in values])}
            for name, values in result.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", nargs="+", help="only these runs (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "training" / "clean_free_selection.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    runs = {}
    for name, kind, options, start in plan(args.epochs):
        if args.runs and name not in args.runs:
            continue
        runs[name] = kind(name, options, args.epochs, args.threads, start)
        print(name, json.dumps(runs[name]["summary"]), flush=True)
    command = "python -m experiments.clean_free_selection " + " ".join(sys.argv[1:] if argv is None else argv)
    result = {"what": __doc__.split("\n\n")[0], "command": command.strip(), "min_gain": MIN_GAIN, "noise_of_tiles": NOISE, "pairs": PAIRS, "tiles": TILES,
              "tile_px": TILE, "fine_tune_lr": FINE_TUNE_LR, "harmful_lr": HARMFUL_LR, "epochs": args.epochs,
              "threads": args.threads, "machine": {"cpu": platform.processor() or platform.machine(),
                                                   "torch": torch.__version__, "cpu_count": os.cpu_count(),
                                                   "shared_cpu": True, "load_average": os.getloadavg()},
              "runs": runs, "overall": overall(runs)}
    atomic_write_text(json.dumps(result, indent=1) + "\n", args.out, overwrite=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
