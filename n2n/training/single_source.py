"""The single-image data source of ``n2n train`` (Neighbor2Neighbor, :mod:`.neighbor2neighbor`).

Three kinds of data, one noisy copy per scene each:

- ``--single DIR``: every PNG/JPEG under ``DIR`` (recursively), noisy photos used at their native
  resolution (held in memory, 3 bytes per pixel, never rescaled: that would change the noise); each step draws fresh random crops (:class:`n2n.training.single.NoisyCrops`), an epoch
  is ``--steps-per-epoch`` steps;
- ``--data PAIRS --single-from-pairs``: only the first copies ``a`` of a course pairs file, uint8
  ``(N, 3, H, W)``; an epoch is one pass over them (``DistributedSampler`` order, as for pairs), each
  batch turned by one random symmetry of the square unless ``--no-augment`` (as pairs are);
- ``--photos [DIR] --target single``: the ``--photos`` stream (:class:`n2n.data.patches.PatchStream`,
  same scales, noise synthesised per batch) but only its uint8 noisy *input* copy is used, so for the
  same seed the network sees exactly the inputs a Noise2Noise or Noise2Clean run would; the control
  experiment. Its sub-image targets are taken from that copy *before* clipping and rounding
  (``--single-targets unclipped``, the default, as the Noise2Noise targets of the stream are), or from
  the uint8 copy (``clipped``: what a real photo holds, biased near black and white).

``--single-gamma G`` sets the regulariser's final weight (ramped up from 0; default 0.5, the paper's 2; see
:mod:`n2n.training.neighbor2neighbor`).

``--single-loss l1`` trains with absolute instead of squared errors (the median instead of the mean,
which clipping does not move for symmetric noise; :data:`n2n.training.neighbor2neighbor.LOSSES`).

Step ``k`` of process ``rank`` draws its crops and cell choices from ``batch_generator(seed, k, rank)``
(global step numbers), so a resumed run continues with exactly the batches it would have seen. Under
DDP each process draws ``batch_size // world_size`` crops of its own; DDP averages the gradients.
The options are kept in the checkpoint (``"stream"``, with ``"kind": "single"``), so ``--resume``
streams alike; gamma ramps over the run's total steps (:meth:`SingleSource.plan`). Without ``--crop-size`` the
crops are the smallest multiple of ``2 * multiple`` from 96 px (:mod:`.crop_size`): 128 px for the shipped
depth-5 network.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import DistributedSampler

from Miniproject_1.others.augment import random_symmetry
from Miniproject_1.others.training import Placement, TrainConfig, steps_per_epoch
from n2n.data.images import IMAGE_SUFFIXES, read_image
from n2n.data.patches import batch_generator
from n2n.progress import bar
from n2n.training.crop_size import SINGLE_CROP, fitting_crop
from n2n.training.holdout import holds_out, split_images, split_pairs
from n2n.training.start import FINE_TUNE_SINGLE_LOSS, fine_tunes
from n2n.training.learner import Learner
from n2n.training.neighbor2neighbor import GAMMA
from n2n.training.single import Neighbor2NeighborLoss, NoisyCrops, StepRange, check_crop, run_steps
from n2n.training.spec import IMAGES, PAIRS, PHOTOS, SINGLE_IMAGE, TrainSpec
from n2n.training.supports import SourceSupport

KIND = "single"
SINGLE_OPTIONS = frozenset({"--single-loss", "--single-gamma", "--single-targets"})


def settings_from(spec: TrainSpec, arch: dict) -> dict:
    """The single-image options as plain data (kept in the checkpoint); clear errors for crops that do not fit."""
    step = 2 * 2 ** int(arch.get("depth", 1))
    data, method = spec.data, spec.method
    default_loss = FINE_TUNE_SINGLE_LOSS if fine_tunes(spec) else "l2"
    base = {"kind": KIND, "gamma": float(GAMMA if method.single_gamma is None else method.single_gamma),
            "ramp": method.single_ramp, "loss": method.single_loss or default_loss}
    if data.kind == PAIRS:
        return {**base, "data": "pairs", "path": str(data.pairs), "limit": data.limit}
    crop = check_crop(data.crop_size, step // 2) if data.crop_size is not None else fitting_crop(SINGLE_CROP, step)
    common = {**base, "crop": crop, "steps_per_epoch": data.steps_per_epoch or 500}
    if data.kind == IMAGES:
        return {**common, "data": "folder", "path": str(data.single)}
    from n2n.data.patches import PATCH_SHORT_SIDES

    scales = list(data.photo_scales or PATCH_SHORT_SIDES)  # as the --photos stream holds them
    if scales[0] < crop:
        raise ValueError(f"--photo-scales must be at least --crop-size ({crop}), got {scales[0]}")
    return {**common, "data": "photos", "photos": data.photos, "noise": spec.noise.noise or "mixed", "scales": scales,
            "targets": method.single_targets or "unclipped"}


def image_files(folder: str | Path) -> list[Path]:
    """Every PNG/JPEG under ``folder`` (recursively, sorted); clear errors if none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"--single {folder}: no such folder; pass a folder of noisy PNG/JPEG photos")
    files = sorted(path for path in folder.rglob("*") if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"--single {folder}: no PNG/JPEG images found (looked for {', '.join(sorted(IMAGE_SUFFIXES))} "
                         "files, also in sub-folders); pass a folder that holds your noisy photos")
    return files


def split_image_files(folder: str | Path) -> tuple[list[Path], list[Path]]:
    """``(train, held_out)`` files of ``--single folder`` when no ``--val`` is given (:mod:`.holdout`; keyed by
    their paths in the folder)."""
    files = image_files(folder)
    train, held = split_images([path.relative_to(folder).as_posix() for path in files], f"--single {folder}")
    return [files[index] for index in train], [files[index] for index in held]


def read_images(files: list[Path]) -> list[torch.Tensor]:
    """``files`` as ``uint8 (3, H, W)`` images."""
    return [read_image(path)[0] for path in bar(files, desc="loading images", unit="image")]


class SingleSource:
    """Single noisy images for ``n2n train``: same interface as :class:`n2n.training.sources.PairSource`
    (``settings``, ``steps(world_size)``, ``plan(total_steps)`` for the gamma ramp, ``epoch(...)``)."""

    supports = SourceSupport("single noisy images", frozenset({SINGLE_IMAGE}), {
        PAIRS: frozenset({"--data", "--single-from-pairs", "--limit", *SINGLE_OPTIONS}),
        IMAGES: frozenset({"--single", "--crop-size", "--steps-per-epoch", "--from-scratch", *SINGLE_OPTIONS}),
        PHOTOS: frozenset({"--photos", "--target", "--noise", "--crop-size", "--steps-per-epoch", "--photo-scales",
                           *SINGLE_OPTIONS}),
    })

    def __init__(self, settings: dict, arch: dict, config: TrainConfig, hold_out: bool = False) -> None:
        """``hold_out``: train without the pairs or images that score the epochs when there is no ``--val``
        (:mod:`n2n.training.holdout`)."""
        self.settings, self.config = settings, config
        self.total_steps = 1
        multiple = 2 ** int(arch.get("depth", 1))
        data = settings["data"]
        if data == "pairs":
            from n2n.data.course import load_train_pairs

            first = load_train_pairs(settings["path"])[0]
            self.first = first[: settings["limit"]] if settings["limit"] is not None else first
            if hold_out:
                self.first = self.first[split_pairs(self.first.shape[0])[0]]
            height, width = self.first.shape[2:]
            if height % (2 * multiple) or width % (2 * multiple):
                raise ValueError(f"the crops of {settings['path']} are {width}x{height} px, but a depth-{arch['depth']} U-Net "
                                 f"trained on half-size sub-images needs crops whose sides are multiples of {2 * multiple}; "
                                 "pick a shallower --arch (e.g. 32x3 for 32x32 crops)")
            print(f"single-image training on the first copies of {settings['path']}: {self.first.shape[0]} crops of "
                  f"{width}x{height} px")
        elif data == "folder":
            files = split_image_files(settings["path"])[0] if hold_out else image_files(settings["path"])
            self.crops = NoisyCrops(read_images(files), check_crop(settings["crop"], multiple))
            pixels = sum(int(image[0].numel()) for image in self.crops.images)
            note = f" ({self.crops.skipped} smaller than the crop skipped)" if self.crops.skipped else ""
            print(f"single-image training on {len(self.crops.images)} noisy images from {settings['path']} "
                  f"({pixels / 1e6:.1f} Mpx){note}, {settings['crop']} px crops")
        elif data == "photos":
            from n2n.data.noise import parse_noise
            from n2n.data.patches import PatchStream, resolve_training_photos

            photos = resolve_training_photos(settings["photos"])
            self.stream = PatchStream.from_photos(photos, parse_noise(settings["noise"]), check_crop(settings["crop"], multiple),
                                                  "noisy", settings["scales"])
            print(f"single-image training on the noisy inputs of {settings['crop']} px crops from {len(photos)} photos, "
                  f"noise {settings['noise']}")
        else:
            raise ValueError(f"unknown single-image data {data!r} in the checkpoint's settings")

    @classmethod
    def from_spec(cls, spec: TrainSpec, arch: dict, config: TrainConfig) -> SingleSource:
        return cls(settings_from(spec, arch), arch, config, holds_out(spec))

    def plan(self, total_steps: int) -> None:
        """The run's total number of steps (all epochs), over which gamma ramps up."""
        self.total_steps = max(1, int(total_steps))

    def steps(self, world_size: int) -> int:
        if self.settings["data"] == "pairs":
            return steps_per_epoch(self.first.shape[0], self.config, world_size)
        return int(self.settings["steps_per_epoch"])

    def _drawer(self, epoch: int, rank: int, world_size: int):
        local_batch = max(1, self.config.batch_size // world_size)
        seed = self.config.seed
        if self.settings["data"] == "pairs":
            sampler = DistributedSampler(range(self.first.shape[0]), num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
            sampler.set_epoch(epoch)
            order = torch.tensor(list(sampler), dtype=torch.long)
            first_step = epoch * self.steps(world_size)

            def draw(k: int):
                generator = batch_generator(seed, k, rank)
                start = (k - first_step) * local_batch
                batch = self.first[order[start : start + local_batch]]
                return (random_symmetry(batch, batch, generator)[0] if self.config.augment else batch), generator
        elif self.settings["data"] == "folder":
            def draw(k: int):
                generator = batch_generator(seed, k, rank)
                return self.crops.batch(local_batch, generator), generator
        elif self.settings["targets"] == "unclipped":
            def draw(k: int):
                generator = batch_generator(seed, k, rank)
                noisy, unclipped = self.stream.single_batch(local_batch, generator)
                return noisy, generator, unclipped
        else:
            def draw(k: int):
                generator = batch_generator(seed, k, rank)
                return self.stream.batch(local_batch, generator)[0], generator
        return draw

    def epoch(self, learner: Learner, epoch: int, placement: Placement, on_step: Callable[[float], None]) -> float:
        steps = self.steps(placement.world_size)
        loss = Neighbor2NeighborLoss(float(self.settings["gamma"]), bool(self.settings["ramp"]), self.settings["loss"] == "l1")
        return run_steps(learner, self._drawer(epoch, placement.rank, placement.world_size),
                         StepRange(epoch * steps, steps, self.total_steps), loss, placement.device, on_step)
