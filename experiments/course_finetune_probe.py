"""What fine-tuning the shipped Miniproject_1 weights on course-format pairs does, seen by clean-free scores and
by clean PSNR: the measurement behind ``PRETRAINED_LOSS`` (``Miniproject_1/model.py``), the held-out score
(``Miniproject_1/others/heldout.py``) and the margin ``MIN_GAIN`` (``Miniproject_1/others/finetune.py``).

``python -m experiments.course_finetune_probe --data cache/probe/data8k --runs l1:2e-4 mse:2e-4`` loads the shipped
weights, holds out pairs as ``Model.train`` does (``split_held_out``), and trains one pass over the other pairs
per run (``LOSS:PEAK_RATE``; Miniproject_1's schedule, batch 32, augmentation with swaps, float32), scoring
the network at four points of the pass on

- the held-out pairs, without clean images: the mean absolute Noise2Noise error (``l1``, what ``Model.train``
  keeps its best by), its geometric mean over pairs (``l1_geo``), the squared error (``l2``, ``l2_geo``), the
  squared error on mid-tone pixels only (``l2_mid20``, ``l2_mid40``: pixels whose 5x5 mean in the input copy
  lies that far from 0 and 255; ``l2_mid3s``: three times each pair's noise level from 0 and 255);
- the held-out pairs *with* their clean crops (``held_clean_psnr``), which ``n2n data build --keep-clean`` keeps;
- the first ``--eval`` crops of each committed validation set (``data/val_*.pkl``: other photos).

Writes ``results/miniproject_1/course_finetune_probe.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from Miniproject_1.model import Model
from Miniproject_1.others.augment import augment_pair
from Miniproject_1.others.heldout import heldout_error, index_keys, split_held_out
from Miniproject_1.others.inference import denoise
from Miniproject_1.others.training import TrainConfig, make_scheduler, to_unit, train_step
from n2n.data.course import load_train_pairs, load_val
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr

ROOT = Path(__file__).resolve().parents[1]
VAL_SETS = ("val_data", "val_gaussian25", "val_poisson", "val_pixelate")
LOSSES = {"mse": F.mse_loss, "l1": F.l1_loss}


def midtones(images: torch.Tensor, low: torch.Tensor | float) -> torch.Tensor:
    """bool, ``images``' shape: pixels whose 5x5 mean (all channels) lies in [low, 255 - low]."""
    local = F.avg_pool2d(images.float().mean(1, keepdim=True), 5, 1, 2, count_include_pad=False)
    return ((local >= low) & (local <= 255 - low)).expand_as(images.float())


def masked_l2(out_a, out_b, first, second, mask_a, mask_b) -> float:
    squared_a, squared_b = (out_a - second.float()) ** 2, (out_b - first.float()) ** 2
    return float((squared_a[mask_a].sum() + squared_b[mask_b].sum()) / (mask_a.sum() + mask_b.sum()))


def scores(network, held: tuple, vals: dict) -> dict:
    """Every score of ``network`` (module docstring)."""
    first, second, clean = held

    def predict(images):
        return denoise(network, images, torch.device("cpu"), network.multiple, False)

    out_a, out_b = predict(first), predict(second)
    absolute = torch.cat([(out_a - second.float()).abs().flatten(1).mean(1), (out_b - first.float()).abs().flatten(1).mean(1)])
    squared = torch.cat([((out_a - second.float()) ** 2).flatten(1).mean(1), ((out_b - first.float()) ** 2).flatten(1).mean(1)])
    result = {"l1": heldout_error(predict, first, second), "held_clean_psnr": (psnr(out_a, clean) + psnr(out_b, clean)) / 2,
              "l1_geo": float(absolute.log().mean().exp()), "l2_geo": float(squared.log().mean().exp())}
    for low in (20, 40):
        result[f"l2_mid{low}"] = masked_l2(out_a, out_b, first, second, midtones(first, low), midtones(second, low))
    sigma = ((first.float() - second.float()) ** 2).flatten(1).mean(1).div(2).sqrt().view(-1, 1, 1, 1)
    mask_a, mask_b = midtones(first, 3 * sigma), midtones(second, 3 * sigma)
    result["l2_mid3s"] = masked_l2(out_a, out_b, first, second, mask_a, mask_b)
    result["mid3s_frac"] = float((mask_a.sum() + mask_b.sum()) / (2 * mask_a.numel()))
    result["l2"] = float(((out_a - second.float()) ** 2).mean() + ((out_b - first.float()) ** 2).mean()) / 2
    for name, (noisy, target) in vals.items():
        result[name] = psnr(predict(noisy), target)
    return result


def one_pass(loss: str, lr: float, train: tuple, held: tuple, vals: dict) -> list[dict]:
    """One pass of the shipped weights over ``train``; the scores at four points."""
    model = Model()
    model.load_pretrained_model()
    network = model.network
    optimizer = torch.optim.Adam(network.parameters(), lr=lr)
    steps = math.ceil(train[0].shape[0] / 32)
    scheduler = make_scheduler(optimizer, steps, TrainConfig(lr=lr))
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(train[0].shape[0], generator=generator)
    trace, started = [], time.perf_counter()
    network.train()
    for step in range(steps):
        index = order[step * 32:(step + 1) * 32]
        x, y = augment_pair(to_unit(train[0][index], model.device), to_unit(train[1][index], model.device), generator)
        train_step(network, optimizer, scheduler, x, y, LOSSES[loss], False)
        if (step + 1) % (steps // 4) == 0 or step == steps - 1:
            trace.append({"step": step + 1, **scores(network, held, vals), "seconds": time.perf_counter() - started})
            print(json.dumps({"loss": loss, "lr": lr, **trace[-1]}), flush=True)
            network.train()
    return trace


SCORES = ("l1", "l1_geo", "l2", "l2_geo", "l2_mid20", "l2_mid40", "l2_mid3s")


def summary(result: dict) -> dict:
    """Per clean-free score: Spearman's rank correlation with the held-out crops' clean PSNR and with ``val_data``'s
    over every scored point (the start and each run's four), sign turned so that 1 means "ranks as PSNR does"."""
    from experiments.clean_free_selection import spearman

    points = [result["start"]] + [point for run in result["runs"] for point in run["trace"]]
    return {score: {target: round(-spearman([point[score] for point in points], [point[target] for point in points]), 3)
                    for target in ("held_clean_psnr", "val_data")} for score in SCORES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "cache" / "probe" / "data8k",
                        help="folder of `n2n data build --keep-clean` (train_data.pkl, train_clean.pkl)")
    parser.add_argument("--pairs", type=int, default=8000)
    parser.add_argument("--eval", type=int, default=250, help="crops of each validation set scored")
    parser.add_argument("--runs", nargs="+", default=["l1:2e-4", "mse:2e-4"], help="LOSS:PEAK_RATE")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "miniproject_1" / "course_finetune_probe.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    a, b = load_train_pairs(args.data / "train_data.pkl")
    clean = torch.load(args.data / "train_clean.pkl", weights_only=True)
    pick = torch.randperm(a.shape[0], generator=torch.Generator().manual_seed(1))[: args.pairs]
    a, b, clean = a[pick], b[pick], clean[pick]
    train, held = split_held_out(index_keys(args.pairs))
    vals = {name: tuple(tensor[: args.eval] for tensor in load_val(ROOT / "data" / f"{name}.pkl")) for name in VAL_SETS}
    start = Model()
    start.load_pretrained_model()
    result = {"pairs": args.pairs, "held_out": len(held), "eval": args.eval,
              "start": scores(start.network, (a[held], b[held], clean[held]), vals), "runs": []}
    for run in args.runs:
        loss, lr = run.split(":")
        result["runs"].append({"loss": loss, "lr": float(lr), "trace": one_pass(loss, float(lr), (a[train], b[train]),
                                                                                 (a[held], b[held], clean[held]), vals)})
    result["spearman"] = summary(result)
    atomic_write_text(json.dumps(result, indent=1) + "\n", args.out, overwrite=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
