"""What scores each epoch of ``n2n train`` (:class:`n2n.training.fit.Validator`s).

- :class:`CleanCrops`: PSNR on a course-format file of noisy crops and their clean versions (``--val``);
- :class:`WholePhotos`: PSNR on the 6 whole validation photos at Gaussian sigma 25 (``--val-photos``).
"""

from __future__ import annotations

from pathlib import Path

from n2n.metrics import psnr
from n2n.training.fit import Denoise


class CleanCrops:
    """Mean PSNR of the denoised noisy crops of ``--val`` against their clean versions (column ``val_psnr``)."""

    column, higher_is_better = "val_psnr", True

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

    column, higher_is_better = "val_photos_psnr", True

    def score(self, denoise: Denoise) -> float:
        return whole_photo_psnr(denoise)

    def describe(self, value: float) -> str:
        return f"whole photos {value:.2f} dB"


def validators_for(val: Path, val_photos: bool) -> tuple[list, str]:
    """The validators of a run and the column that picks its best epoch (the whole photos when scored)."""
    validators = [CleanCrops(val)] + ([WholePhotos()] if val_photos else [])
    return validators, validators[-1].column
