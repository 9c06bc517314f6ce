"""Build the stand-in for the course's ``train_data.pkl`` / ``val_data.pkl`` from real photographs.

Photos are split into train and val *by photo* (never by crop), with a split that depends only on
the photo ids, not on the seed, so validation photos never leak into a training set built with
another seed: the default pool has a fixed list of validation photos
(:data:`n2n.data.photos.VALIDATION_PHOTOS`, so growing the pool only adds training photos), a
folder given with ``--photos`` is split by the SHA-256 of its photo ids. Every random draw comes
from a ``torch.Generator`` seeded from ``(seed, stage)``, so the same arguments give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PIL
import torch

import n2n
from n2n.data.course import save_course_file
from n2n.data.crops import (
    CROP_SIZE,
    FLAT_THRESHOLD,
    SHORT_SIDES,
    load_scaled,
    sample_crops,
)
from n2n.data.noise import NoiseModel, parse_noise
from n2n.data.photos import (
    Photo,
    default_photos,
    folder_photos,
    is_default_pool,
    split_default_photos,
)
from n2n.fileio import atomic_torch_save, atomic_write_text, check_writable, file_sha256
from n2n.progress import bar

VAL_FRACTION = 0.15
NOISE_CHUNK = 4096  # pairs corrupted per step; part of the determinism contract (fixes the draw order)
# Per-model validation sets written beside val_data.pkl (whose noise is the training noise).
MODEL_VAL_SETS = {"val_gaussian25.pkl": "gaussian:25", "val_poisson.pkl": "poisson", "val_pixelate.pkl": "pixelate"}


@dataclass(frozen=True)
class BuildOptions:
    """What to build: ``pairs`` training pairs (0: none) and ``val`` validation crops in ``out``."""

    out: Path
    pairs: int = 50_000
    val: int = 1000
    seed: int = 0
    noise: str = "mixed"
    photos: Path | None = None
    photo_cache: Path | None = None
    force: bool = False
    keep_clean: bool = False
    progress: bool = True


def stage_generator(seed: int, stage: str) -> torch.Generator:
    """An independent generator per build stage, so changing one stage leaves the others' draws alone."""
    digest = hashlib.sha256(f"{seed}:{stage}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & (2**63 - 1))


def split_photos(photos: list[Photo], val_fraction: float = VAL_FRACTION) -> tuple[list[Photo], list[Photo]]:
    """Split by photo into ``(train, val)``, each sorted by id.

    Default photos (every id one of :data:`n2n.data.photos.DEFAULT_PHOTOS`): the fixed split of
    :func:`n2n.data.photos.split_default_photos` (the six :data:`~n2n.data.photos.VALIDATION_PHOTOS`
    are val, all others train; ``val_fraction`` is ignored). Any other photos (a ``--photos``
    folder): the ``max(1, round(fraction * n))`` photos with the smallest SHA-256 of their id go to val.
    """
    if len(photos) < 2:
        raise ValueError(f"need at least 2 photos to split into train and val, got {len(photos)}")
    if is_default_pool(photos):
        return split_default_photos(photos)
    ranked = sorted(photos, key=lambda photo: hashlib.sha256(photo.id.encode()).hexdigest())
    n_val = min(len(photos) - 1, max(1, round(val_fraction * len(photos))))
    val_ids = {photo.id for photo in ranked[:n_val]}
    train = sorted((p for p in photos if p.id not in val_ids), key=lambda p: p.id)
    val = sorted((p for p in photos if p.id in val_ids), key=lambda p: p.id)
    return train, val


def output_names(options: BuildOptions) -> list[str]:
    """The files a build writes into ``options.out``, manifest last."""
    names = []
    if options.pairs > 0:
        names.append("train_data.pkl")
        if options.keep_clean:
            names.append("train_clean.pkl")
    names += ["val_data.pkl", *MODEL_VAL_SETS, "manifest.json"]
    return names


def _load_levels(photos: list[Photo], label: str, progress: bool) -> list[torch.Tensor]:
    levels: list[torch.Tensor] = []
    for photo in bar(photos, enabled=progress, desc=f"loading {label} photos", unit="photo"):
        levels += load_scaled(photo)
    return levels


def _corrupt_pairs(
    model: NoiseModel, clean: torch.Tensor, generator: torch.Generator, progress: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Corrupt ``clean (N, 3, H, W)`` chunk by chunk: two ``uint8 (N, 3, H, W)`` copies."""
    first, second = torch.empty_like(clean), torch.empty_like(clean)
    with bar(total=clean.shape[0], enabled=progress, desc="corrupting pairs", unit="pair") as progress_bar:
        for start in range(0, clean.shape[0], NOISE_CHUNK):
            stop = min(start + NOISE_CHUNK, clean.shape[0])
            first[start:stop], second[start:stop] = model.corrupt_pair(clean[start:stop], generator)
            progress_bar.update(stop - start)
    return first, second


def _versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pillow": PIL.__version__,
        "n2n": getattr(n2n, "__version__", "unknown"),
    }


def build_dataset(options: BuildOptions, log: Callable[[str], None] = print) -> dict:
    """Write the stand-in data set into ``options.out`` (see ``output_names``); returns the manifest.

    Files: ``train_data.pkl`` ``(a, b)``, ``train_clean.pkl`` (with ``keep_clean``), ``val_data.pkl``
    and the per-model ``val_*.pkl`` ``(noisy, clean)``, all ``uint8 (N, 3, 32, 32)``, and ``manifest.json``.
    Raises ``FileExistsError`` before any work when an output exists and ``force`` is False.
    """
    if options.pairs < 0 or options.val < 1:
        raise ValueError(f"need --pairs >= 0 and --val >= 1, got {options.pairs} and {options.val}")
    out = Path(options.out)
    names = output_names(options)
    for name in names:
        check_writable(out / name, options.force)
    train_model = parse_noise(options.noise)
    val_specs = {"val_data.pkl": options.noise, **MODEL_VAL_SETS}

    if options.photos is not None:
        photos = folder_photos(options.photos)
        source: dict = {"kind": "folder", "path": str(options.photos)}
    else:
        photos, packages = default_photos(options.photo_cache)
        source = {"kind": "debian-packages", "packages": packages}
    source["photo_sha256"] = {photo.id: file_sha256(photo.path) for photo in photos}
    train_photos, val_photos = split_photos(photos)
    log(f"{len(photos)} photos: {len(train_photos)} for training, {len(val_photos)} for validation")

    written: dict[str, torch.Tensor] = {}
    if options.pairs > 0:
        train_levels = _load_levels(train_photos, "train", options.progress)
        clean = sample_crops(train_levels, options.pairs, stage_generator(options.seed, "train-crops"))
        del train_levels
        a, b = _corrupt_pairs(train_model, clean, stage_generator(options.seed, "train-noise"), options.progress)
        save_course_file(out / "train_data.pkl", (a, b), overwrite=options.force)
        written["train_data.pkl"] = a
        if options.keep_clean:
            atomic_torch_save(clean, out / "train_clean.pkl", overwrite=options.force)
            written["train_clean.pkl"] = clean

    val_clean = sample_crops(_load_levels(val_photos, "val", options.progress), options.val, stage_generator(options.seed, "val-crops"))
    for name, spec in val_specs.items():
        noisy = parse_noise(spec).corrupt(val_clean, stage_generator(options.seed, f"val-noise:{name}"))
        save_course_file(out / name, (noisy, val_clean), overwrite=options.force)
        written[name] = noisy

    manifest = {
        "description": "n2n stand-in for the course's train_data.pkl / val_data.pkl, built by 'n2n data build'",
        "seed": options.seed,
        "noise": {
            "train": {"spec": options.noise, "model": train_model.describe()},
            "val": {name: {"spec": spec, "model": parse_noise(spec).describe()} for name, spec in val_specs.items()},
        },
        "crops": {
            "size": CROP_SIZE,
            "short_sides": list(SHORT_SIDES),
            "resampling": "Pillow LANCZOS (antialiased)",
            "horizontal_flip": 0.5,
            "flat_threshold": FLAT_THRESHOLD,
        },
        "source": source,
        "splits": {"train": [p.id for p in train_photos], "val": [p.id for p in val_photos]},
        "counts": {
            "photos": {"train": len(train_photos), "val": len(val_photos)},
            "crops": {"train_pairs": options.pairs, "val": options.val},
        },
        "files": {
            name: {"shape": list(tensor.shape), "dtype": "uint8", "sha256": file_sha256(out / name)}
            for name, tensor in written.items()
        },
        "versions": _versions(),
    }
    atomic_write_text(json.dumps(manifest, indent=2) + "\n", out / "manifest.json", overwrite=options.force)
    return manifest
