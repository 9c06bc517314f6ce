"""The ``torch`` training engine of ``n2n train``: Miniproject_1's U-Net and training loop, plus
data loading, validation, atomic checkpoints, resuming, a per-epoch CSV log and DDP.

Run under ``torchrun`` (``WORLD_SIZE`` > 1 in the environment) it uses DistributedDataParallel:
NCCL with one GPU per process when CUDA is available, Gloo on CPUs. Rank 0 validates and writes
all files; every rank sees the same data, sharded by a ``DistributedSampler``.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import time
from dataclasses import asdict
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from Miniproject_1.model import DEFAULT_ARCH
from Miniproject_1.others.checkpoint import load_state_dict
from Miniproject_1.others.inference import denoise
from Miniproject_1.others.training import (
    TrainConfig,
    make_scheduler,
    steps_per_epoch,
    train_epoch,
)
from Miniproject_1.others.unet import UNet, arch_from_state_dict
from Miniproject_1.others.widen import widen_state_dict
from n2n.data.course import load_train_pairs, load_val
from n2n.data.noise import parse_noise
from n2n.fileio import atomic_torch_save, atomic_write, check_writable
from n2n.metrics import psnr
from n2n.progress import bar
from n2n.training.divergence import check_not_diverged
from n2n.training.engines import companion_paths, epoch_weights_path, kept_epoch_weights

LOG_FIELDS = ["epoch", "loss", "val_psnr", "val_photos_psnr", "lr", "seconds"]


# Default peak rate of `n2n train`: Model.train's 2e-3 suits its one-epoch schedule, but held over
# a 10-epoch schedule it diverged (n2n/divergence.py); the shipped 10-epoch model used 1e-3.
MULTI_EPOCH_LR = 1e-3


def parse_widths(text: str) -> list[int]:
    """``"40,48,64"`` -> ``[40, 48, 64]`` (``--widen``); ``ValueError`` naming the expected form."""
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"--widen takes comma-separated channel counts, one per level, full resolution first "
                         f"(e.g. 40,48,64,80,80,80), got {text!r}") from None
    return widths


def parse_arch(text: str | None) -> dict:
    """``"WIDTHxDEPTH"`` (e.g. ``"32x2"``) -> UNet keyword arguments; ``None`` -> the shipped architecture."""
    if text is None:
        return dict(DEFAULT_ARCH)
    match = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not match:
        raise ValueError(f"--arch for the torch engine must look like WIDTHxDEPTH (e.g. 32x2), got {text!r}")
    return {"width": int(match[1]), "depth": int(match[2])}


def load_training_data(args: argparse.Namespace) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy pairs ``(a, b)``, uint8 ``(N, 3, H, W)``, from ``--data`` or ``--noisy-a``/``--noisy-b``."""
    if args.data is not None:
        a, b = load_train_pairs(args.data)
    else:
        if args.noisy_b is None:
            raise ValueError("--noisy-a needs --noisy-b (a folder of second noisy copies)")
        from n2n.data.folders import FolderPairs

        generator = torch.Generator().manual_seed(args.seed)
        a, b = FolderPairs(args.noisy_a, args.noisy_b).random_crops(args.crops, args.crop_size or 64, generator)
    if args.limit is not None:
        a, b = a[: args.limit], b[: args.limit]
    return a, b


def write_log(history: list[dict], path: Path) -> None:
    """Rewrite the whole CSV log atomically from the history kept in the checkpoint."""
    def write(file) -> None:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=LOG_FIELDS, restval="")
        writer.writeheader()
        writer.writerows(history)
        file.write(text.getvalue().encode("utf-8"))

    atomic_write(path, write, overwrite=True)


def fraction(option: str, value: float | None) -> float:
    """A share option's value (``None``: 0), checked to lie in [0, 1]."""
    value = value or 0.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{option} must be between 0 and 1, got {value}")
    return value


def stream_settings_from(args: argparse.Namespace) -> dict:
    """The ``--photos`` options as plain data (kept in the checkpoint, so ``--resume`` streams alike)."""
    crop = args.crop_size or 96
    if crop < 8:
        raise ValueError(f"--crop-size must be at least 8, got {crop}")
    if args.steps_per_epoch < 1:
        raise ValueError(f"--steps-per-epoch must be >= 1, got {args.steps_per_epoch}")
    parse_noise(args.noise)  # a bad spec fails here, before the photos load
    from n2n.data.patches import PATCH_SHORT_SIDES, check_tone_gain_max

    scales = sorted(set(args.photo_scales or PATCH_SHORT_SIDES))
    if scales[0] < crop:
        raise ValueError(f"--photo-scales must be at least --crop-size ({crop}), got {scales[0]}")
    gray, tone = fraction("--gray-fraction", args.gray_fraction), fraction("--tone-fraction", args.tone_fraction)
    settings = {"photos": str(args.photos), "noise": args.noise, "target": args.target, "crop": crop,
                "steps_per_epoch": args.steps_per_epoch, "scales": scales, "loss": args.loss or "mse",
                "gray_fraction": gray, "tone_fraction": tone}
    teacher = getattr(args, "teacher", None)
    if teacher is None and getattr(args, "teacher_symmetries", None) is not None:
        raise ValueError("--teacher-symmetries shapes the targets of --teacher: give --teacher WEIGHTS")
    if teacher is not None:
        if args.target != "noisy":
            raise ValueError(f"--teacher makes the targets itself: drop --target {args.target}")
        if not Path(teacher).is_file():
            raise FileNotFoundError(f"--teacher {teacher} not found; pass a Miniproject_1 .pth file "
                                    "(e.g. Miniproject_1/bestmodel.pth)")
        if settings["loss"] != "mse":
            raise ValueError(f"--teacher targets are noise-free: drop --loss {settings['loss']}")
        from n2n.fileio import file_sha256

        symmetries = 2 if getattr(args, "teacher_symmetries", None) is None else args.teacher_symmetries
        if not 1 <= symmetries <= 8:
            raise ValueError(f"--teacher-symmetries must be between 1 and 8, got {symmetries}")
        settings.update(teacher=str(teacher), teacher_sha256=file_sha256(teacher), teacher_symmetries=symmetries)
    same = fraction("--same-noise-fraction", getattr(args, "same_noise_fraction", None))
    if same > 0:
        if gray == 0:
            raise ValueError("--same-noise-fraction is a share of the grey crops; give a --gray-fraction above 0")
        settings["same_noise_fraction"] = same
    if args.tone_gain_max is not None:
        if tone == 0:
            raise ValueError("--tone-gain-max shapes the tone curves of --tone-fraction; give a --tone-fraction above 0")
        try:
            settings["tone_gain_max"] = check_tone_gain_max(args.tone_gain_max)
        except ValueError as error:
            raise ValueError(f"--tone-gain-max: {error}") from None
    return settings


def check_photo_only_options(args: argparse.Namespace, photo_stream: bool) -> None:
    """``--loss``/``--gray-fraction``/``--tone-fraction``/``--tone-gain-max`` shape the ``--photos`` stream; elsewhere they would be
    silently ignored."""
    flags = (("--loss", args.loss), ("--gray-fraction", args.gray_fraction), ("--tone-fraction", args.tone_fraction),
             ("--tone-gain-max", args.tone_gain_max), ("--same-noise-fraction", getattr(args, "same_noise_fraction", None)),
             ("--teacher", getattr(args, "teacher", None)), ("--teacher-symmetries", getattr(args, "teacher_symmetries", None)))
    given = [flag for flag, value in flags if value is not None]
    if given and not photo_stream:
        raise ValueError(f"{' and '.join(given)} apply to Noise2Noise training on --photos only; drop them here")


def initial_weights(args: argparse.Namespace) -> tuple[dict | None, dict | None]:
    """``(state_dict, arch)`` of ``--init`` (``(None, None)`` without it), widened by ``--widen`` if given;
    clear errors on conflicts."""
    widen = getattr(args, "widen", None)
    if args.init is None:
        if widen is not None:
            raise ValueError("--widen grows trained weights: give them with --init WEIGHTS")
        return None, None
    if args.resume:
        raise ValueError("--init starts a new run from given weights and --resume continues one: use one of them")
    state = load_state_dict(args.init)
    if widen is not None:
        state = widen_state_dict(state, parse_widths(widen), torch.Generator().manual_seed(args.seed))
    arch = arch_from_state_dict(state)
    if args.arch is not None:
        asked = parse_arch(args.arch)
        if (asked["width"], asked["depth"]) != (arch["width"], arch["depth"]):
            raise ValueError(f"--arch {args.arch} does not match --init {args.init} "
                             f"({arch['width']}x{arch['depth']}); drop --arch")
    return state, arch


def whole_photo_psnr(network: UNet, device: torch.device, sigma: float = 25.0) -> float:
    """Mean PSNR on the 6 whole validation photos (short side 512, Gaussian ``sigma``), as ``n2n evaluate --photos
    --grey no``: the network's own output, so that runs from before and after ``n2n denoise`` made grey photos
    grey stay comparable."""
    from n2n.evaluation.whole_photos import evaluate_photos, validation_photos

    predict = lambda images: denoise(network, images, device, network.multiple)
    result = evaluate_photos(validation_photos(), {"network": predict}, sigmas=(sigma,), baselines=(), progress=False,
                             grey="no")
    return next(row["psnr"] for row in result["means"] if row["denoiser"] == "network")


class PairSource:
    """Fixed noisy pairs ``(a, b)``, uint8 ``(N, 3, H, W)``: an epoch is one pass (Miniproject_1's ``train_epoch``)."""

    settings = None

    def __init__(self, a: torch.Tensor, b: torch.Tensor, config: TrainConfig) -> None:
        self.a, self.b, self.config = a, b, config

    def steps(self, world_size: int) -> int:
        return steps_per_epoch(self.a.shape[0], self.config, world_size)

    def plan(self, total_steps: int) -> None:
        """Nothing depends on the run's length here (single-image sources ramp a regulariser)."""

    def epoch(self, network, optimizer, scheduler, config: TrainConfig, epoch: int, ddp: Distributed, on_step) -> float:
        return train_epoch(network, optimizer, scheduler, self.a, self.b, config, epoch, ddp.device,
                           rank=ddp.rank, world_size=ddp.world_size, on_step=on_step)


class StreamSource:
    """Crops drawn afresh from photos at every step (``--photos``): an epoch is ``steps_per_epoch`` steps."""

    def __init__(self, settings: dict) -> None:
        from n2n.data.patches import TONE_GAIN, PatchStream, resolve_training_photos

        self.settings = settings
        photos = resolve_training_photos(settings["photos"])
        self.stream = PatchStream.from_photos(photos, parse_noise(settings["noise"]), settings["crop"], settings["target"],
                                              settings.get("scales", (384, 512, 640, 800)),  # the first runs' scales
                                              settings.get("gray_fraction", 0.0), settings.get("tone_fraction", 0.0),
                                              settings.get("tone_gain_max", TONE_GAIN[1]),
                                              settings.get("same_noise_fraction", 0.0))
        self.loss = settings.get("loss", "mse")
        self.teacher = None  # loaded on the training device by the first epoch
        print(f"streaming {settings['crop']} px crops from {len(photos)} photos ({len(self.stream.images)} scaled images, "
              f"{self.stream.pixels / 1e6:.1f} Mpx), noise {settings['noise']}, "
              f"{'self-ensemble of ' + settings['teacher'] if 'teacher' in settings else settings['target']} targets, "
              f"loss {self.loss}, grey fraction {self.stream.gray_fraction:g} (same noise in all channels for "
              f"{self.stream.same_noise_fraction:g} of them), tone fraction {self.stream.tone_fraction:g}"
              f" (gains up to {self.stream.tone_gain_max:g})")

    def steps(self, world_size: int) -> int:
        return int(self.settings["steps_per_epoch"])

    def plan(self, total_steps: int) -> None:
        """Nothing depends on the run's length here."""

    def epoch(self, network, optimizer, scheduler, config: TrainConfig, epoch: int, ddp: Distributed, on_step) -> float:
        from n2n.training.stream import train_stream_epoch

        if self.teacher is None and "teacher" in self.settings:
            from n2n.training.distill import load_teacher

            self.teacher = load_teacher(self.settings["teacher"], self.settings["teacher_sha256"], ddp.device)
        return train_stream_epoch(network, optimizer, scheduler, self.stream, self.steps(ddp.world_size), config.batch_size,
                                  config.seed, epoch, ddp.device, ddp.rank, ddp.world_size, on_step, self.loss, self.teacher,
                                  self.settings.get("teacher_symmetries", 8))


class Distributed:
    """Process-group bookkeeping; a single process when not launched by ``torchrun``."""

    def __init__(self) -> None:
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available()
        self.device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world_size > 1:
            dist.init_process_group(backend="nccl" if cuda else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world_size > 1:
            dist.barrier()

    def mean(self, value: float) -> float:
        """``value`` averaged over all processes (itself in a single process)."""
        if self.world_size == 1:
            return value
        total = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(total)
        return float(total) / self.world_size

    def close(self) -> None:
        if self.world_size > 1:
            dist.destroy_process_group()


def run(args: argparse.Namespace) -> int:
    last_path, log_path = companion_paths(args.out)
    init_state, init_arch = initial_weights(args)
    resume_state = None
    if args.resume:
        if not last_path.is_file():
            raise FileNotFoundError(f"--resume needs {last_path}, which does not exist; train without --resume first")
        resume_state = torch.load(last_path, map_location="cpu", weights_only=True)
    elif not args.force:
        for path in (args.out, last_path):
            check_writable(path)
        if getattr(args, "keep_epochs", False):
            kept = kept_epoch_weights(args.out)
            if kept:
                raise FileExistsError(f"{kept[0]} (an earlier run's epoch weights) already exists; pass --force to "
                                      "replace them or choose another --out")
    config = TrainConfig(
        batch_size=args.batch_size or TrainConfig.batch_size,
        lr=args.lr or MULTI_EPOCH_LR,
        augment=not args.no_augment,
        seed=args.seed,
    )
    arch = init_arch or parse_arch(args.arch)
    if resume_state is not None:
        config, arch = TrainConfig(**resume_state["config"]), resume_state["arch"]
        args.val_photos = resume_state.get("val_photos", False)  # the best epoch stays chosen by one measure
    from n2n.training.single_source import KIND as SINGLE
    from n2n.training.single_source import SingleSource, is_single_run

    if args.target != "noisy" and args.photos is None:
        raise ValueError(f"--target {args.target} applies to --photos (crops with synthesised noise); "
                         "fixed pairs and folders are always trained Noise2Noise")

    if getattr(args, "single_targets", None) is not None and not is_single_run(args):
        raise ValueError("--single-targets applies to single-image training (--photos --target single); "
                         "drop it or add --target single")
    for option in ("single_loss", "single_gamma"):
        if getattr(args, option, None) is not None and not is_single_run(args):
            raise ValueError(f"--{option.replace('_', '-')} applies to single-image training (--single, --single-from-pairs "
                             "or --photos --target single); drop it or train on single images")
    check_photo_only_options(args, args.photos is not None and not is_single_run(args))
    if is_single_run(args):  # Neighbor2Neighbor on single noisy images (n2n/training/single_source.py)
        source = SingleSource.for_run(args, resume_state, last_path, arch, config)
    elif resume_state is not None and (resume_state.get("stream") or {}).get("kind") == SINGLE:
        raise ValueError(f"{last_path} was trained on single images; resume it with the data options it was started with")
    elif args.photos is not None:
        stream_settings = resume_state.get("stream") if resume_state is not None else stream_settings_from(args)
        if stream_settings is None:
            raise ValueError(f"{last_path} was trained on fixed pairs, not --photos; resume it with the same data options")
        source = StreamSource(stream_settings)
    else:
        source = PairSource(*load_training_data(args), config)
    val_noisy, val_clean = load_val(args.val)

    ddp = Distributed()
    try:
        torch.manual_seed(config.seed)
        network = UNet(**arch).to(ddp.device, memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
        total_steps = args.epochs * source.steps(ddp.world_size)
        source.plan(total_steps)
        scheduler = make_scheduler(optimizer, total_steps, config)
        start_epoch, best, history = 0, float("-inf"), []
        if init_state is not None:
            network.load_state_dict(init_state)
        if resume_state is not None:
            network.load_state_dict(resume_state["model"])
            optimizer.load_state_dict(resume_state["optimizer"])
            scheduler.load_state_dict(resume_state["scheduler"])
            start_epoch, best, history = resume_state["epoch"], resume_state["best_psnr"], resume_state["history"]
        trained = DistributedDataParallel(network) if ddp.world_size > 1 else network
        losses = [h["loss"] for h in history]  # every rank keeps these: all must agree to stop
        for epoch in range(start_epoch, args.epochs):
            steps = source.steps(ddp.world_size)
            with bar(total=steps, enabled=ddp.main, desc=f"epoch {epoch + 1}/{args.epochs}", unit="step") as progress:
                def on_step(loss: float) -> None:
                    progress.update()
                    progress.set_postfix(loss=f"{loss:.4f}", refresh=False)

                lr, started = optimizer.param_groups[0]["lr"], time.perf_counter()
                loss = source.epoch(trained, optimizer, scheduler, config, epoch, ddp, on_step)
                seconds = time.perf_counter() - started
            loss = ddp.mean(loss)
            check_not_diverged(epoch + 1, loss, losses, args.out, config.lr)
            losses.append(loss)
            if ddp.main:
                val_psnr = psnr(denoise(network, val_noisy, ddp.device, network.multiple), val_clean)
                record = {"epoch": epoch + 1, "loss": loss, "val_psnr": val_psnr, "lr": lr, "seconds": seconds}
                if args.val_photos:
                    record["val_photos_psnr"] = whole_photo_psnr(network, ddp.device)
                    val_psnr = record["val_photos_psnr"]  # what picks the best epoch
                history.append(record)
                weights = {k: v.detach().cpu() for k, v in network.state_dict().items()}
                if val_psnr > best:
                    best = val_psnr
                    atomic_torch_save(weights, args.out, overwrite=True)
                if getattr(args, "keep_epochs", False):
                    atomic_torch_save(weights, epoch_weights_path(args.out, epoch + 1), overwrite=True)
                atomic_torch_save({
                    "model": weights, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "epoch": epoch + 1, "best_psnr": best, "history": history, "arch": arch, "config": asdict(config),
                    "stream": source.settings, "val_photos": bool(args.val_photos),
                }, last_path, overwrite=True)
                write_log(history, log_path)
                photos = f", whole photos {record['val_photos_psnr']:.2f} dB" if args.val_photos else ""
                print(f"epoch {epoch + 1}: loss {loss:.5f}, val PSNR {record['val_psnr']:.2f} dB{photos} (best {best:.2f})")
            ddp.barrier()
    finally:
        ddp.close()
    return 0
