"""What one more ``Model.train`` epoch does to a Miniproject's shipped weights, per peak learning rate.

``python -m experiments.finetune --project 1|2`` loads ``Miniproject_N/bestmodel.pth``, trains
one epoch on the training pairs with each ``--lrs`` peak rate (the rest of the project's training
set-up unchanged) and records the PSNR on ``data/val_data.pkl`` before and after, in
``results/miniproject_N/finetune.json``. It is the measurement behind each ``PRETRAINED_LR``: the
course's ``train`` continues from loaded weights and must not undo them.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from n2n.data.course import load_train_pairs, load_val
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT as ROOT



def one_epoch(course, lr: float, pairs: tuple, val: tuple) -> dict:
    """PSNR on ``val`` before and after one epoch from the shipped weights at peak rate ``lr``."""
    model = course.Model()
    model.load_pretrained_model()
    model.pretrained = False  # train at exactly ``lr``, not capped at PRETRAINED_LR
    model.config = replace(model.config, lr=lr)
    before = psnr(model.predict(val[0]), val[1])
    start = time.perf_counter()
    model.train(*pairs, num_epochs=1)
    return {"lr": lr, "psnr_before": round(before, 4), "psnr_after": round(psnr(model.predict(val[0]), val[1]), 4),
            "seconds": round(time.perf_counter() - start, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", choices=["1", "2"], required=True)
    parser.add_argument("--data", type=Path, default=ROOT / "cache" / "data" / "train_data.pkl")
    parser.add_argument("--val", type=Path, default=ROOT / "data" / "val_data.pkl")
    parser.add_argument("--lrs", type=float, nargs="+", help="peak rates (default: from-scratch, PRETRAINED_LR, 0.4 x PRETRAINED_LR)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, help="default: results/miniproject_N/finetune.json")
    args = parser.parse_args(argv)
    course = importlib.import_module(f"Miniproject_{args.project}.model")
    from_scratch = course.Model().config
    lrs = args.lrs or [from_scratch.lr, course.PRETRAINED_LR, 0.4 * course.PRETRAINED_LR]
    out = args.out or ROOT / "results" / f"miniproject_{args.project}" / "finetune.json"
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(args.project == "1")  # Miniproject_2 never needs autograd
    pairs, val = load_train_pairs(args.data), load_val(args.val)
    runs = []
    for lr in lrs:
        runs.append(one_epoch(course, lr, pairs, val))
        print(json.dumps(runs[-1]), flush=True)
    result = {"what": f"one Model.train epoch from Miniproject_{args.project}/bestmodel.pth per peak learning rate",
              "pairs": int(pairs[0].shape[0]), "val": args.val.name, "config": from_scratch.as_dict(),
              "pretrained_lr": course.PRETRAINED_LR, "threads": args.threads, "runs": runs,
              "weights_sha256": hashlib.sha256(course.BEST_MODEL_PATH.read_bytes()).hexdigest()}
    atomic_write_text(json.dumps(result, indent=2) + "\n", out, overwrite=True)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
