"""The ``scratch`` training engine of ``n2n train``: Miniproject_2's from-scratch framework (explicit
backward passes, autograd off), training the course network or Miniproject_1's U-Net.

Same files and options as the ``torch`` engine: ``--out`` gets the best weights by validation PSNR,
``OUT.last.pth`` everything ``--resume`` needs (weights, optimizer moments, epoch, history), and
``OUT.csv`` the per-epoch log. Checkpoints are Miniproject_2's plain-data pickles
(``others/serialization.py``) with the ``arch`` dict of ``n2n.scratch_models``; all writes are atomic.

The batches and learning rates are those of ``Miniproject_2.others.training.fit`` over ``--epochs``
epochs; a resumed run replays the schedule up to its epoch, so it continues exactly where the
interrupted one stopped.
"""

from __future__ import annotations

import argparse
import math
import random
import time

import torch
from tqdm import tqdm

from Miniproject_2.model import DEFAULT_CONFIG, default_device
from Miniproject_2.others.loss import MSE
from Miniproject_2.others.serialization import load_checkpoint, save_checkpoint
from Miniproject_2.others.training import TrainConfig, batch_tensors, epoch_schedule, learning_rate, make_optimizer, predict_batches
from n2n.data.course import load_val
from n2n.fileio import check_writable
from n2n.metrics import psnr
from n2n.scratch_models import build_network, multiple_of, parse_arch
from n2n.scratch_optimizer_state import load_optimizer_state, optimizer_state
from n2n.train_torch import companion_paths, load_training_data, write_log

DTYPE = torch.float32


class Schedule:
    """``fit``'s batch schedule and cosine learning rate over ``epochs`` epochs, one epoch at a time."""

    def __init__(self, count: int, epochs: int, config: TrainConfig) -> None:
        self.count, self.config = count, config
        self.rng = random.Random(config.seed)
        self.steps_per_epoch = math.ceil(count / config.batch_size)
        self.total_steps = epochs * self.steps_per_epoch
        self.step = 0

    def next_epoch(self) -> list:
        """The next epoch's batches (advances the random generator)."""
        return epoch_schedule(self.count, self.config.batch_size, self.rng, self.config.augment)

    def skip(self, epochs: int) -> None:
        """Replay ``epochs`` epochs without training (to resume after them)."""
        for _ in range(epochs):
            self.next_epoch()
            self.step += self.steps_per_epoch

    def learning_rate(self) -> float:
        return learning_rate(self.config, self.step, self.total_steps)


def train_epoch(network, optimizer, schedule: Schedule, inputs, targets, device, multiple: int, on_step=None) -> float:
    """One epoch on ``(N, 3, H, W)`` pairs in [0, 255]; returns the mean MSE loss (images in [0, 1])."""
    loss, running = MSE(), 0.0
    network.train()
    for batch in schedule.next_epoch():
        x, y = batch_tensors(inputs, targets, batch, device, DTYPE, multiple)
        optimizer.lr = schedule.learning_rate()
        optimizer.zero_grad()
        value = float(loss(network(x), y))
        network.backward(loss.backward())
        optimizer.step()
        schedule.step += 1
        running += value * len(batch.indices)
        if on_step is not None:
            on_step(value)
    return running / schedule.count


def resume_point(last_path):
    """``(state, arch, meta)`` of ``OUT.last.pth``, with clear errors when it cannot be resumed from."""
    if not last_path.is_file():
        raise FileNotFoundError(f"--resume needs {last_path}, which does not exist; train without --resume first")
    state, arch, meta = load_checkpoint(last_path)
    missing = [key for key in ("epoch", "best_psnr", "history", "config", "optimizer") if key not in meta]
    if missing:
        raise ValueError(f"{last_path} is not a resumable scratch-engine checkpoint (meta lacks {missing})")
    return state, arch, meta


def run(args: argparse.Namespace) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.epochs < 1:
        raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
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
        config = TrainConfig(batch_size=args.batch_size or DEFAULT_CONFIG.batch_size, optimizer=DEFAULT_CONFIG.optimizer,
                             lr=args.lr or DEFAULT_CONFIG.lr, augment=not args.no_augment, seed=args.seed)
    train_a, train_b = load_training_data(args)
    val_noisy, val_clean = load_val(args.val)
    device, multiple = default_device(), multiple_of(arch)

    previous = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        torch.manual_seed(config.seed)
        network = build_network(arch, device, DTYPE)
        optimizer = make_optimizer(network, config)
        schedule = Schedule(len(train_a), args.epochs, config)
        start, best, history = 0, float("-inf"), []
        if resumed is not None:
            state, _, meta = resumed
            network.load_state_dict(state)
            load_optimizer_state(optimizer, meta["optimizer"], last_path)
            start, best, history = int(meta["epoch"]), float(meta["best_psnr"]), list(meta["history"])
        schedule.skip(start)
        for epoch in range(start, args.epochs):
            with tqdm(total=schedule.steps_per_epoch, desc=f"epoch {epoch + 1}/{args.epochs}", unit="step", disable=None) as bar:
                def on_step(loss: float) -> None:
                    bar.update()
                    bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

                lr, started = schedule.learning_rate(), time.perf_counter()
                loss = train_epoch(network, optimizer, schedule, train_a, train_b, device, multiple, on_step)
                seconds = time.perf_counter() - started
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
