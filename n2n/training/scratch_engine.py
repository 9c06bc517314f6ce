"""The ``scratch`` training engine of ``n2n train``: Miniproject_2's from-scratch framework (explicit
backward passes, autograd off), training the course network or Miniproject_1's U-Net.

Same files and options as the ``torch`` engine: ``--out`` gets the best weights by validation PSNR,
``OUT.last.pth`` everything ``--resume`` needs (weights, optimizer moments, epoch, history), and
``OUT.csv`` the per-epoch log. Checkpoints are Miniproject_2's plain-data pickles
(``others/serialization.py``) with the ``arch`` dict of ``n2n.training.scratch_models``; all writes are atomic.

The batches and learning rates are those of ``Miniproject_2.others.training.fit`` over ``--epochs``
epochs (a ``TrainingRun``); a resumed run replays the schedule up to its epoch, so it continues
exactly where the interrupted one stopped.
"""

from __future__ import annotations

import argparse
import time

import torch

from Miniproject_2.model import DEFAULT_CONFIG, default_device
from Miniproject_2.others.serialization import load_checkpoint, save_checkpoint
from Miniproject_2.others.training import (
    TrainConfig,
    TrainingRun,
    framework_step,
    learning_rate,
    make_optimizer,
    predict_batches,
)
from n2n.data.course import load_val
from n2n.fileio import check_writable
from n2n.metrics import psnr
from n2n.progress import bar
from n2n.training.divergence import check_not_diverged
from n2n.training.engines import companion_paths
from n2n.training.scratch_models import build_network, multiple_of, parse_arch
from n2n.training.scratch_optimizer_state import load_optimizer_state, optimizer_state
from n2n.training.torch_engine import MULTI_EPOCH_LR, load_training_data, write_log

DTYPE = torch.float32


def resume_point(last_path):
    """``(state, arch, meta)`` of ``OUT.last.pth``, with clear errors when it cannot be resumed from."""
    if not last_path.is_file():
        raise FileNotFoundError(f"--resume needs {last_path}, which does not exist; train without --resume first")
    state, arch, meta = load_checkpoint(last_path)
    missing = [key for key in ("epoch", "best_psnr", "history", "config", "optimizer") if key not in meta]
    if missing:
        raise ValueError(f"{last_path} is not a resumable scratch-engine checkpoint (meta lacks {missing})")
    return state, arch, meta


# The U-Net's defaults are the torch engine's for the same network (batch 32, 1e-3): the course
# network's 4e-3 is far above the rate at which Miniproject_1's U-Net already diverged (2e-3).
UNET_DEFAULT_CONFIG = TrainConfig(batch_size=32, optimizer="adam", lr=MULTI_EPOCH_LR)


def run(args: argparse.Namespace) -> int:
    last_path, log_path = companion_paths(args.out)
    resumed = resume_point(last_path) if args.resume else None
    if resumed is None and not args.force:
        for path in (args.out, last_path):
            check_writable(path)
    if resumed is not None:
        _, arch, meta = resumed
        config = TrainConfig(**meta["config"])
    else:
        arch = parse_arch(args.arch)
        default = DEFAULT_CONFIG if arch["kind"] == "course" else UNET_DEFAULT_CONFIG
        config = TrainConfig(batch_size=args.batch_size or default.batch_size, optimizer=default.optimizer,
                             lr=args.lr or default.lr, augment=not args.no_augment, seed=args.seed)
    if getattr(args, "init", None) is not None:
        raise ValueError("--init (fine-tuning from Miniproject_1 weights) runs on the torch engine; drop --engine scratch")
    if getattr(args, "widen", None) is not None:
        raise ValueError("--widen (growing Miniproject_1 weights) runs on the torch engine; drop --engine scratch")
    if getattr(args, "keep_epochs", False):
        raise ValueError("--keep-epochs runs on the torch engine; drop it or --engine scratch")
    if getattr(args, "photos", None) is not None:
        raise ValueError("--photos (crops streamed from photos) trains with the torch engine; "
                         "for the scratch engine build pairs first with `n2n data build` and pass --data")
    if getattr(args, "single", None) is not None or getattr(args, "single_from_pairs", False):
        raise ValueError("single-image training (--single, --single-from-pairs: Neighbor2Neighbor) runs on the torch engine; "
                         "drop --engine scratch")
    train_a, train_b = load_training_data(args)
    val_noisy, val_clean = load_val(args.val)
    device, multiple = default_device(), multiple_of(arch)

    previous = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        torch.manual_seed(config.seed)
        network = build_network(arch, device, DTYPE)
        optimizer = make_optimizer(network, config)
        run = TrainingRun(len(train_a), args.epochs, config)
        train_step = framework_step(network, optimizer)
        start, best, history = 0, float("-inf"), []
        if resumed is not None:
            state, _, meta = resumed
            network.load_state_dict(state)
            load_optimizer_state(optimizer, meta["optimizer"], last_path)
            start, best, history = int(meta["epoch"]), float(meta["best_psnr"]), list(meta["history"])
        run.skip(start)
        for epoch in range(start, args.epochs):
            with bar(total=run.steps_per_epoch, desc=f"epoch {epoch + 1}/{args.epochs}", unit="step") as progress:
                def on_step(_, loss: float) -> None:
                    progress.update()
                    progress.set_postfix(loss=f"{loss:.4f}", refresh=False)

                lr, started = learning_rate(config, run.step, run.total_steps), time.perf_counter()
                network.train()
                loss = run.epoch(train_step, train_a, train_b, device, DTYPE, multiple, on_step)
                seconds = time.perf_counter() - started
            check_not_diverged(epoch + 1, loss, [h["loss"] for h in history], args.out, config.lr)
            val_psnr = psnr(predict_batches(network, val_noisy, device, DTYPE, multiple), val_clean)
            history.append({"epoch": epoch + 1, "loss": loss, "val_psnr": val_psnr, "lr": lr, "seconds": seconds})
            weights = network.state_dict()
            if val_psnr > best:
                best = val_psnr
                save_checkpoint(args.out, weights, arch, {"engine": "scratch", "epoch": epoch + 1, "val_psnr": val_psnr,
                                                          "config": config.as_dict()}, overwrite=True)
            save_checkpoint(last_path, weights, arch, {"engine": "scratch", "epoch": epoch + 1, "best_psnr": best, "history": history,
                                                       "config": config.as_dict(), "optimizer": optimizer_state(optimizer)}, overwrite=True)
            write_log(history, log_path)
            print(f"epoch {epoch + 1}: loss {loss:.5f}, val PSNR {val_psnr:.2f} dB (best {best:.2f})")
    finally:
        torch.set_grad_enabled(previous)
    return 0
