"""Crop sizes that fit the network being trained.

A U-Net of depth D pools D times, so its inputs' sides must be multiples of ``2 ** D`` (its ``multiple``);
single-image training feeds it half-size sub-images, so there crops must be multiples of ``2 * multiple``.
When ``--crop-size`` is not given, the default is the smallest such size at least as large as the preferred
one: 96 px for a depth-3 network, 128 px for the shipped depth-5 one in single-image training.
"""

from __future__ import annotations

FOLDER_CROP = 64  # --noisy-a/--noisy-b: random crops cut once from the folders
PHOTO_CROP = 96  # --photos: crops drawn afresh at every step
SINGLE_CROP = 96  # --single / --photos --target single


def fitting_crop(preferred: int, step: int) -> int:
    """The smallest multiple of ``step`` that is at least ``preferred``."""
    return -(-preferred // step) * step


def check_multiple(crop: int, step: int, what: str) -> int:
    """``crop`` if it is a positive multiple of ``step``; else ``ValueError`` naming ``what`` and the nearest fits."""
    if crop < step or crop % step:
        lower = max(step, crop // step * step)
        raise ValueError(f"{what} {crop} does not fit: this network needs sides that are multiples of {step} "
                         f"(e.g. {lower} or {lower + step})")
    return crop
