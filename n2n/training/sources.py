"""The Noise2Noise data sources of the ``torch`` engine: fixed noisy pairs, and crops streamed from photos.

Each source declares what it supports (``supports``: a :class:`~n2n.training.supports.SourceSupport`), is
built from a :class:`~n2n.training.spec.TrainSpec` and the network's facts, and gives the engine:

- ``settings``: plain data recorded in the resumable checkpoint (``"stream"``), or ``None``;
- ``steps(world_size)``: optimiser steps per epoch; ``plan(total_steps)``: the run's length;
- ``epoch(learner, epoch, placement, on_step)``: one epoch of steps, returning the mean loss.

The single-image source (:mod:`.single_source`) has the same interface.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from Miniproject_1.others.training import Placement, TrainConfig, steps_per_epoch, train_epoch
from n2n.training.crop_size import FOLDER_CROP, PHOTO_CROP, check_multiple, fitting_crop
from n2n.training.holdout import holds_out, split_images, split_pairs
from n2n.training.learner import Learner
from n2n.training.spec import DISTILLATION, FOLDERS, NOISE2CLEAN, NOISE2NOISE, PAIRS, PHOTOS, TrainSpec
from n2n.training.supports import SourceSupport

FOLDER_CROPS = 50_000  # default of --crops


def load_pairs(spec: TrainSpec, multiple: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The noisy pairs ``(a, b)`` to train on, uint8 ``(N, 3, H, W)``, from ``--data`` (its first ``--limit`` pairs) or
    ``--noisy-a``/``--noisy-b`` (``--crops`` crops of ``--crop-size``, by default the smallest multiple of
    ``multiple`` from 64 px, then the first ``--limit``); without ``--val``, not the held-out pairs or images
    (:mod:`n2n.training.holdout`)."""
    data = spec.data
    if data.pairs is not None:
        a, b = pairs_file(spec)
        if holds_out(spec):
            train = split_pairs(a.shape[0])[0]
            a, b = a[train], b[train]
    else:
        from n2n.data.folders import FolderPairs, pair_names

        names = pair_names(data.noisy_a, data.noisy_b)
        if holds_out(spec):
            names = [names[index] for index in split_images(names, f"--noisy-a {data.noisy_a}")[0]]
        crop = data.crop_size or fitting_crop(FOLDER_CROP, multiple)
        generator = torch.Generator().manual_seed(spec.schedule.seed_or_default)
        a, b = FolderPairs(data.noisy_a, data.noisy_b, names).random_crops(data.crops or FOLDER_CROPS, crop, generator)
        if data.limit is not None:
            a, b = a[: data.limit], b[: data.limit]
    return a, b


def pairs_file(spec: TrainSpec) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``--limit`` pairs of ``--data`` (all of them without it), held-out ones included."""
    from n2n.data.course import load_train_pairs

    a, b = load_train_pairs(spec.data.pairs)
    limit = spec.data.limit
    return (a[:limit], b[:limit]) if limit is not None else (a, b)


class PairSource:
    """Fixed noisy pairs ``(a, b)``, uint8 ``(N, 3, H, W)``: an epoch is one pass (Miniproject_1's ``train_epoch``)."""

    supports = SourceSupport("fixed pairs", frozenset({NOISE2NOISE}), {
        PAIRS: frozenset({"--data", "--limit", "--target"}),
        FOLDERS: frozenset({"--noisy-a", "--noisy-b", "--crops", "--crop-size", "--limit", "--target", "--from-scratch"}),
    })
    settings = None

    def __init__(self, pairs: tuple[torch.Tensor, torch.Tensor], config: TrainConfig) -> None:
        self.pairs, self.config = pairs, config

    @classmethod
    def from_spec(cls, spec: TrainSpec, arch: dict, config: TrainConfig) -> PairSource:
        multiple = 2 ** int(arch["depth"])
        pairs = load_pairs(spec, multiple)
        height, width = pairs[0].shape[2:]
        if height % multiple or width % multiple:
            what = spec.data.pairs if spec.data.pairs is not None else "--crop-size"
            raise ValueError(f"the crops of {what} are {width}x{height} px, but this U-Net needs sides that are multiples "
                             f"of {multiple}; pick a shallower --arch or another --crop-size")
        return cls(pairs, config)

    def steps(self, world_size: int) -> int:
        return steps_per_epoch(self.pairs[0].shape[0], self.config, world_size)

    def plan(self, total_steps: int) -> None:
        """Nothing depends on the run's length here (single-image sources ramp a regulariser)."""

    def epoch(self, learner: Learner, epoch: int, placement: Placement, on_step: Callable[[float], None]) -> float:
        return train_epoch(learner.network, learner.optimizer, learner.scheduler, self.pairs, self.config, epoch,
                           placement, on_step)


def stream_defaults() -> dict:
    """Stream settings that checkpoints leave out when at their default (as before those options existed)."""
    from n2n.data.patches import TONE_GAIN

    # Runs before --jpeg-targets trained on the saved JPEG files (and recorded nothing).
    return {"tone_gain_max": TONE_GAIN[1], "same_noise_fraction": 0.0, "jpeg_targets": "saved"}


def stream_settings(spec: TrainSpec, multiple: int) -> dict:
    """The ``--photos`` options as plain data, kept in the checkpoint so that ``--resume`` streams alike (options at
    their defaults that came after the first runs are left out, as those runs' checkpoints have them)."""
    from n2n.data.patches import PATCH_SHORT_SIDES
    from n2n.training.supports import fraction

    data, noise, method = spec.data, spec.noise, spec.method
    crop = data.crop_size or fitting_crop(PHOTO_CROP, multiple)
    if crop < 8:
        raise ValueError(f"--crop-size must be at least 8, got {crop}")
    check_multiple(crop, multiple, "--crop-size")
    scales = list(data.photo_scales or PATCH_SHORT_SIDES)
    if scales[0] < crop:
        raise ValueError(f"--photo-scales must be at least --crop-size ({crop}), got {scales[0]}")
    settings = {"photos": data.photos, "noise": noise.noise or "mixed", "target": method.target or "noisy", "crop": crop,
                "steps_per_epoch": data.steps_per_epoch or 500, "scales": scales, "loss": method.loss or "mse",
                "gray_fraction": fraction("--gray-fraction", noise.gray_fraction),
                "tone_fraction": fraction("--tone-fraction", noise.tone_fraction)}
    if method.teacher is not None:
        settings.update(teacher=str(method.teacher), teacher_sha256=method.teacher_sha256 or _teacher_sha256(method.teacher),
                        teacher_symmetries=2 if method.teacher_symmetries is None else method.teacher_symmetries)
    defaults = stream_defaults()
    for key, value in (("same_noise_fraction", noise.same_noise_fraction), ("tone_gain_max", noise.tone_gain_max)):
        if value is not None and value != defaults[key]:
            settings[key] = value
    jpeg_targets = noise.jpeg_targets or "unsaved"
    if has_jpeg_stage(settings["noise"]) and settings["target"] == "noisy" and jpeg_targets != defaults["jpeg_targets"]:
        settings["jpeg_targets"] = jpeg_targets  # left out when "saved", as in the checkpoints of older runs
    return settings


def has_jpeg_stage(noise: str) -> bool:
    """Whether the noise spec saves any of its noises as JPEG (``NOISE,jpeg...``)."""
    from n2n.data.noise import parse_noise, saves_as_jpeg

    return saves_as_jpeg(parse_noise(noise))


def _teacher_sha256(teacher: Path) -> str:
    from n2n.fileio import file_sha256

    if not Path(teacher).is_file():
        raise FileNotFoundError(f"--teacher {teacher} not found; pass a Miniproject_1 .pth file (e.g. Miniproject_1/bestmodel.pth)")
    return file_sha256(teacher)


class StreamSource:
    """Crops drawn afresh from photos at every step (``--photos``): an epoch is ``steps_per_epoch`` steps."""

    supports = SourceSupport("crops of photos", frozenset({NOISE2NOISE, NOISE2CLEAN, DISTILLATION}), {
        PHOTOS: frozenset({"--photos", "--noise", "--target", "--crop-size", "--steps-per-epoch", "--photo-scales",
                           "--loss", "--gray-fraction", "--same-noise-fraction", "--tone-fraction", "--tone-gain-max",
                           "--teacher", "--teacher-symmetries", "--jpeg-targets"}),
    })

    def __init__(self, settings: dict, config: TrainConfig) -> None:
        from n2n.data.noise import parse_noise
        from n2n.data.patches import PatchStream, resolve_training_photos

        self.settings, self.config = settings, config
        full = {**stream_defaults(), **settings}
        photos = resolve_training_photos(full["photos"])
        self.stream = PatchStream.from_photos(photos, parse_noise(full["noise"]), full["crop"], full["target"],
                                              full["scales"], full["gray_fraction"], full["tone_fraction"],
                                              full["tone_gain_max"], full["same_noise_fraction"], full["jpeg_targets"])
        self.loss = settings["loss"]
        self.teacher = None  # loaded on the training device by the first epoch
        print(f"streaming {settings['crop']} px crops from {len(photos)} photos ({len(self.stream.images)} scaled images, "
              f"{self.stream.pixels / 1e6:.1f} Mpx), noise {settings['noise']}, "
              f"{'self-ensemble of ' + settings['teacher'] if 'teacher' in settings else settings['target']} targets, "
              f"loss {self.loss}, grey fraction {self.stream.gray_fraction:g} (same noise in all channels for "
              f"{self.stream.same_noise_fraction:g} of them), tone fraction {self.stream.tone_fraction:g}"
              f" (gains up to {self.stream.tone_gain_max:g})"
              + (f", JPEG targets {full['jpeg_targets']}" if has_jpeg_stage(settings["noise"]) else ""))

    @classmethod
    def from_spec(cls, spec: TrainSpec, arch: dict, config: TrainConfig) -> StreamSource:
        return cls(stream_settings(spec, 2 ** int(arch["depth"])), config)

    def steps(self, world_size: int) -> int:
        return int(self.settings["steps_per_epoch"])

    def plan(self, total_steps: int) -> None:
        """Nothing depends on the run's length here."""

    def epoch(self, learner: Learner, epoch: int, placement: Placement, on_step: Callable[[float], None]) -> float:
        from n2n.training.stream import StreamTraining, train_stream_epoch

        if self.teacher is None and "teacher" in self.settings:
            from n2n.training.distill import load_teacher

            self.teacher = load_teacher(self.settings["teacher"], self.settings["teacher_sha256"], placement.device)
        training = StreamTraining(self.steps(placement.world_size), self.config.batch_size, self.config.seed, self.loss,
                                  self.teacher, self.settings["teacher_symmetries"] if self.teacher is not None else 8)
        return train_stream_epoch(learner, self.stream, training, epoch, placement, on_step)
