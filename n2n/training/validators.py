"""What scores each epoch of ``n2n train`` (:class:`n2n.training.fit.Validator`s).

With clean images:

- :class:`CleanCrops`: PSNR on a course-format file of noisy crops and their clean versions (``--val``);
- :class:`WholePhotos`: PSNR on the 6 whole validation photos at Gaussian sigma 25 (``--val-photos``).

Without (no ``--val``; the held-out data is chosen by :mod:`n2n.training.holdout`):

- :class:`HeldOutPairs`: the Noise2Noise error on held-out noisy pairs (of a pairs file, or the central
  :data:`~n2n.training.holdout.REGION` px of held-out image pairs): the mean *absolute* difference between the
  denoised first copy and the second copy, and back (:func:`Miniproject_1.others.heldout.heldout_error`, the
  score ``Model.train`` keeps its best weights by). The second copy's noise is independent of the first's, so
  the score follows the distance to the clean image; an absolute error, because clipping the copies to
  [0, 255] biases a squared one (that module's docstring; ``results/training/clean_free_selection.json``);
- :class:`HeldOutImages`: a masked self-supervised error on held-out single noisy photos: a grid of pixels is
  hidden, filled from the neighbours, and the denoised value compared with the hidden noisy one
  (:func:`n2n.inference.self_check.masked_score`, Noise2Self). It needs noise independent from pixel to pixel.

Both are lower-is-better, in grey levels (0-255); they rank epochs, they are not PSNRs. Under the keep-the-best
guard an epoch replaces the starting weights only if it lowers them by :data:`~Miniproject_1.others.finetune.
MIN_GAIN` (relative, ``start_margin``), the rule ``Model.train`` follows: small gains of a clean-free score are
not reliable evidence of a clean gain (held-out crops that overlap training crops, the median that an absolute
error measures where noise is skewed; ``results/training/clean_free_selection.json``).
"""

from __future__ import annotations

from pathlib import Path

import torch

from Miniproject_1.others.finetune import MIN_GAIN
from Miniproject_1.others.heldout import heldout_error
from n2n.metrics import psnr
from n2n.training.fit import Denoise
from n2n.training.spec import FOLDERS, IMAGES, PAIRS, PHOTOS, TrainSpec


class CleanCrops:
    """Mean PSNR of the denoised noisy crops of ``--val`` against their clean versions (column ``val_psnr``)."""

    column, higher_is_better, start_margin = "val_psnr", True, 0.0
    measures = "PSNR of the denoised --val crops against their clean versions, dB, higher is better"

    def __init__(self, path: Path) -> None:
        from n2n.data.course import load_val

        self.noisy, self.clean = load_val(path)

    def score(self, denoise: Denoise) -> float:
        return psnr(denoise(self.noisy), self.clean)

    def describe(self, value: float) -> str:
        return f"val PSNR {value:.2f} dB"


def whole_photo_psnr(denoise: Denoise, sigma: float = 25.0) -> float:
    """Mean PSNR on the 6 whole validation photos (short side 512, Gaussian ``sigma``), as ``n2n evaluate --photos
    --grey no``: the network's own output, so that runs from before and after ``n2n denoise`` made grey photos
    grey stay comparable."""
    from n2n.evaluation.whole_photos import evaluate_photos, validation_photos

    result = evaluate_photos(validation_photos(), {"network": denoise}, sigmas=(sigma,), baselines=(), progress=False,
                             grey="no")
    return next(row["psnr"] for row in result["means"] if row["denoiser"] == "network")


class WholePhotos:
    """:func:`whole_photo_psnr` (column ``val_photos_psnr``)."""

    column, higher_is_better, start_margin = "val_photos_psnr", True, 0.0
    measures = "PSNR on the 6 whole validation photos at Gaussian sigma 25, dB, higher is better"

    def score(self, denoise: Denoise) -> float:
        return whole_photo_psnr(denoise)

    def describe(self, value: float) -> str:
        return f"whole photos {value:.2f} dB"


class HeldOutPairs:
    """The Noise2Noise error on held-out noisy pairs (module docstring; column ``heldout_pair_error``).

    ``pairs``: ``(first, second)`` batches ``(N, 3, H, W)`` in [0, 255], each pair of batches the same shape; the
    score is their mean weighted by pixels."""

    column, higher_is_better, start_margin = "heldout_pair_error", False, MIN_GAIN
    measures = ("mean absolute difference between each held-out pair's denoised first copy and its second copy (and "
                "back), grey levels 0-255, lower is better; no clean image used")

    def __init__(self, pairs: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        if not pairs:
            raise ValueError("no held-out pairs to score")
        self.pairs = pairs

    def score(self, denoise: Denoise) -> float:
        weights = [first.numel() for first, _ in self.pairs]
        errors = [heldout_error(denoise, first, second) for first, second in self.pairs]
        return sum(weight * error for weight, error in zip(weights, errors)) / sum(weights)

    def describe(self, value: float) -> str:
        return f"held-out pair error {value:.3f}"


class HeldOutImages:
    """The masked self-supervised error on held-out single noisy photos ``uint8 (3, H, W)`` (module docstring;
    column ``heldout_masked_error``): :func:`~n2n.inference.self_check.masked_score` on each photo's central
    :data:`~n2n.training.holdout.REGION` px, averaged over the photos."""

    column, higher_is_better, start_margin = "heldout_masked_error", False, MIN_GAIN
    measures = ("mean absolute difference between the denoised and the noisy values of pixels hidden from the network "
                "in the held-out photos, grey levels 0-255, lower is better; no clean image used")

    def __init__(self, images: list[torch.Tensor]) -> None:
        from n2n.inference.self_check import central_region
        from n2n.training.holdout import REGION

        if not images:
            raise ValueError("no held-out images to score")
        self.images = [central_region(image.unsqueeze(0), REGION) for image in images]

    def score(self, denoise: Denoise) -> float:
        from n2n.inference.self_check import masked_score

        return sum(masked_score(denoise, image, region=None) for image in self.images) / len(self.images)

    def describe(self, value: float) -> str:
        return f"held-out masked error {value:.3f}"


def central_pair(first: torch.Tensor, second: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The central :data:`~n2n.training.holdout.REGION` px of an image pair ``(1, 3, H, W)``."""
    from n2n.inference.self_check import central_region
    from n2n.training.holdout import REGION

    return central_region(first, REGION), central_region(second, REGION)


def held_out_validator(spec: TrainSpec) -> HeldOutPairs | HeldOutImages:
    """The clean-free validator of ``spec``'s held-out data (:mod:`n2n.training.holdout`), announced in one line."""
    from n2n.training.holdout import report, split_images, split_pairs

    data, kind = spec.data, spec.data.kind
    if kind == PAIRS:
        from n2n.training.sources import pairs_file

        a, b = pairs_file(spec)
        held = split_pairs(a.shape[0])[1]
        if not held:
            raise ValueError(f"--data {data.pairs} holds {a.shape[0]} pair: without --val, n2n train holds out pairs to "
                             "score each epoch, so it needs at least 2; give --val FILE (noisy crops and their clean versions)")
        print(report([str(index) for index in held], a.shape[0], f"pairs of {data.pairs}", "indices"))
        return HeldOutPairs([(a[held], b[held])])
    if kind == FOLDERS:
        from n2n.data.folders import FolderPairs, pair_names

        names = pair_names(data.noisy_a, data.noisy_b)
        held = [names[index] for index in split_images(names, f"--noisy-a {data.noisy_a}")[1]]
        print(report(held, len(names), "image pairs", "file names"))
        pairs = FolderPairs(data.noisy_a, data.noisy_b, held)
        return HeldOutPairs([central_pair(a, b) for a, b in zip(pairs.images_a, pairs.images_b)])
    if kind == IMAGES:
        from n2n.training.single_source import read_images, split_image_files

        train_files, held_files = split_image_files(data.single)
        print(report([path.name for path in held_files], len(train_files) + len(held_files), "images", "file paths"))
        return HeldOutImages(read_images(held_files))
    raise ValueError(f"no held-out score for {kind} data")


def validators_for(spec: TrainSpec) -> tuple[list, str]:
    """The validators of a run and the column that picks its best epoch: ``--val``'s clean crops, or without it the
    held-out score; the whole photos (``--val-photos``) when asked for, which then pick. Training on clean photos
    (``--photos``) without ``--val`` is scored on the whole photos: there are clean images to score on."""
    val, val_photos = spec.output.val, spec.output.val_photos
    if val is None and spec.data.kind == PHOTOS:
        if not val_photos:
            print("no --val: scoring each epoch on the 6 whole validation photos of the default pool (as --val-photos)")
        return [WholePhotos()], WholePhotos.column
    validators = [CleanCrops(val) if val is not None else held_out_validator(spec)]
    validators += [WholePhotos()] if val_photos else []
    return validators, validators[-1].column
