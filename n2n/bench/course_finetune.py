"""The course's train-after-pretrained scenario: ``python -m n2n.bench.course_finetune``.

What the course's ``test.py`` does (``test_train_model``): ``Model()``, ``load_pretrained_model()``, then
``train(train_input0, train_input1, num_epochs=1)``, here on the stand-in pairs of ``n2n data build``
(``cache/data/train_data.pkl``, 50 000 pairs). Records, for Miniproject_1:

- the PSNR on every committed validation set (``data/val_*.pkl``) before and after that epoch, and the change
  (target: no set loses more than 0.02 dB), with what ``Model.train`` decided (its held-out score at epoch 0
  and after the epoch, and which weights it kept) and the epoch's seconds;
- the epoch time in both precisions: the epoch above runs in the precision ``Model`` picks on this machine
  (bfloat16 autocast only where the CPU computes it natively); one Adam step of the same network and batch is
  timed in float32 and in bfloat16, interleaved so both see the same load, and scaled to the epoch's steps;
- with ``--from-scratch``: ``Model().train`` for one epoch (target: within 10 minutes, at least 27.9 dB on
  ``val_data``), its seconds and PSNR.

The CPU may be shared with other work: the load averages are recorded before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch

from Miniproject_1.model import DEFAULT_ARCH, PRETRAINED_LOSS, PRETRAINED_LR, Model
from Miniproject_1.others.heldout import held_out_count
from Miniproject_1.others.precision import cpu_has_native_bfloat16, resolve_bfloat16
from Miniproject_1.others.training import TrainConfig, steps_per_epoch
from Miniproject_1.others.unet import arch_from_state_dict
from n2n.bench.framework import machine_record, time_interleaved
from n2n.bench.precision import TrainStep
from n2n.data.course import load_train_pairs, load_val
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT

RESULTS = REPO_ROOT / "results" / "miniproject_1" / "course_finetune.json"
MAX_LOSS_DB = 0.02
SCRATCH_TARGET = {"seconds": 600, "val_data_psnr": 27.9}


def network_arch(model: Model) -> dict:
    """The U-Net arguments of ``model``'s network (read from its weights)."""
    return arch_from_state_dict(model.network.state_dict())


def val_sets() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Every committed validation set ``data/val_*.pkl`` by file name."""
    return {path.name: load_val(path) for path in sorted((REPO_ROOT / "data").glob("val_*.pkl"))}


def scores(model: Model, sets: dict) -> dict[str, float]:
    return {name: round(psnr(model.predict(noisy), clean), 4) for name, (noisy, clean) in sets.items()}


def precision_timing(network_arch: dict, epoch_steps: int, runs: int) -> dict:
    """Seconds per Adam step (median of ``runs``, float32 and bfloat16 interleaved) of a U-Net on a batch of 32
    crops of 32 px, and scaled to ``epoch_steps`` steps."""
    steps = [TrainStep(network_arch["width"], network_arch["depth"], TrainConfig.batch_size, 32, bfloat16,
                       network_arch.get("widths")) for bfloat16 in (False, True)]
    times = time_interleaved(steps, runs, warmup=2)
    step = {name: statistics.median(values) for name, values in times.items()}
    return {"step_seconds": {name: round(value, 4) for name, value in step.items()},
            "epoch_seconds_projected": {name: round(value * epoch_steps, 1) for name, value in step.items()},
            "bfloat16_over_float32": round(step["bfloat16"] / step["float32"], 2), "steps_per_epoch": epoch_steps,
            "timed_steps": runs}


def pretrained_run(pairs: tuple, sets: dict) -> dict:
    model = Model()
    model.load_pretrained_model()
    before = scores(model, sets)
    started = time.perf_counter()
    model.train(*pairs, num_epochs=1)
    seconds = time.perf_counter() - started
    after = scores(model, sets)
    change = {name: round(after[name] - before[name], 4) for name in sets}
    kept = next(record["epoch"] for record in model.history if record["kept"])
    return {"psnr_before": before, "psnr_after": after, "change_db": change, "worst_change_db": min(change.values()),
            "met": min(change.values()) >= -MAX_LOSS_DB, "train_seconds": round(seconds, 1),
            "history": [{key: (round(value, 4) if isinstance(value, float) else value) for key, value in record.items()}
                        for record in model.history], "kept_epoch": kept,
            "held_out_pairs": held_out_count(pairs[0].shape[0]), "arch": network_arch(model),
            "bfloat16": resolve_bfloat16(model.bfloat16, model.device)}


def scratch_run(pairs: tuple, sets: dict) -> dict:
    model = Model()
    started = time.perf_counter()
    model.train(*pairs, num_epochs=1)
    seconds = time.perf_counter() - started
    val = scores(model, {"val_data.pkl": sets["val_data.pkl"]})["val_data.pkl"]
    return {"train_seconds": round(seconds, 1), "val_data_psnr": val, "target": SCRATCH_TARGET,
            "met": seconds <= SCRATCH_TARGET["seconds"] and val >= SCRATCH_TARGET["val_data_psnr"],
            "bfloat16": resolve_bfloat16(model.bfloat16, model.device)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO_ROOT / "cache" / "data" / "train_data.pkl",
                        help="the course-format training pairs (default: the stand-in of `n2n data build`)")
    parser.add_argument("--limit", type=int, help="only the first N pairs (a quick check; the scenario is all 50 000)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timed-steps", type=int, default=10, help="steps timed per precision (median reported)")
    parser.add_argument("--from-scratch", action="store_true", help="also time one epoch of Model() from scratch")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    pairs = load_train_pairs(args.data)
    if args.limit is not None:
        pairs = (pairs[0][: args.limit], pairs[1][: args.limit])
    sets = val_sets()
    count = pairs[0].shape[0]
    result = {"what": "Model(), load_pretrained_model(), train(pairs, num_epochs=1): PSNR per committed validation set "
                      "before and after", "data": str(args.data.relative_to(REPO_ROOT)) if args.data.is_relative_to(REPO_ROOT)
              else str(args.data), "pairs": count, "threads": args.threads, "max_loss_db": MAX_LOSS_DB,
              "pretrained_lr": PRETRAINED_LR, "pretrained_loss": PRETRAINED_LOSS}
    result["pretrained"] = pretrained_run(pairs, sets)
    print(json.dumps(result["pretrained"]), flush=True)
    shipped = Model()
    shipped.load_pretrained_model()
    fine_steps = steps_per_epoch(count - held_out_count(count), TrainConfig())
    result["precision"] = {"native_bfloat16": cpu_has_native_bfloat16(),
                           "model_uses_bfloat16": resolve_bfloat16(None, torch.device("cpu")),
                           "note": "without native bfloat16 (AVX-512 BF16 / AMX) oneDNN emulates it: slower, so Model "
                                   "trains in float32 there",
                           "pretrained": precision_timing(network_arch(shipped), fine_steps, args.timed_steps),
                           "scratch": precision_timing(DEFAULT_ARCH, steps_per_epoch(count, TrainConfig()), args.timed_steps)}
    print(json.dumps(result["precision"]), flush=True)
    if args.from_scratch:
        result["scratch"] = scratch_run(pairs, sets)
        print(json.dumps(result["scratch"]), flush=True)
    result["machine"] = {**machine_record(), "cpu_count": os.cpu_count(), "load_average_before": load_before,
                         "load_average_after": os.getloadavg(), "shared_cpu": True}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
