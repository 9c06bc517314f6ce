"""What one more ``Model.train`` epoch does to Miniproject_2's shipped weights, per peak learning rate.

``python -m n2n.experiments.mp2_finetune`` loads ``Miniproject_2/bestmodel.pth``, trains one epoch on
the training pairs with each ``--lrs`` peak rate (the rest of the shipped set-up unchanged) and
records the PSNR on ``data/val_data.pkl`` before and after, in
``results/miniproject_2/finetune.json``. It is the measurement behind ``PRETRAINED_LR``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from Miniproject_2.model import DEFAULT_CONFIG, PRETRAINED_LR, Model
from n2n.data.course import load_train_pairs, load_val
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "results" / "miniproject_2" / "finetune.json"


def one_epoch(lr: float, pairs: tuple, val: tuple) -> dict:
    """PSNR on ``val`` before and after one epoch from the shipped weights at peak rate ``lr``."""
    model = Model()
    model.load_pretrained_model()
    model.pretrained = False  # train at exactly ``lr``, not capped at PRETRAINED_LR
    model.config = replace(DEFAULT_CONFIG, lr=lr)
    before = psnr(model.predict(val[0]), val[1])
    start = time.perf_counter()
    model.train(*pairs, num_epochs=1)
    return {"lr": lr, "psnr_before": round(before, 4), "psnr_after": round(psnr(model.predict(val[0]), val[1]), 4),
            "seconds": round(time.perf_counter() - start, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "cache" / "data" / "train_data.pkl")
    parser.add_argument("--val", type=Path, default=ROOT / "data" / "val_data.pkl")
    parser.add_argument("--lrs", type=float, nargs="+", default=[DEFAULT_CONFIG.lr, PRETRAINED_LR, 4e-4])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    pairs, val = load_train_pairs(args.data), load_val(args.val)
    runs = []
    for lr in args.lrs:
        runs.append(one_epoch(lr, pairs, val))
        print(json.dumps(runs[-1]), flush=True)
    result = {"what": "one Model.train epoch from Miniproject_2/bestmodel.pth per peak learning rate",
              "pairs": int(pairs[0].shape[0]), "val": args.val.name, "config": DEFAULT_CONFIG.as_dict(),
              "pretrained_lr": PRETRAINED_LR, "threads": args.threads, "runs": runs}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
