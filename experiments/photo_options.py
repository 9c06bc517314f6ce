"""Options the per-photo experiments share: which validation photos, which Miniproject_1 weights, where results go."""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from Miniproject_1.model import BEST_MODEL_PATH
from n2n.evaluation.whole_photos import PhotoFile, PreparedPhoto, noisy_copy, prepare_photo, validation_photos
from n2n.inference import denoisers
from n2n.inference.denoisers import Denoiser
from n2n.paths import repo_label


def add_checkpoint_options(parser: argparse.ArgumentParser, checkpoint_help: str, results: Path) -> None:
    """``--checkpoint PATH`` (repeatable) and ``--out FILE`` (default ``results``)."""
    parser.add_argument("--checkpoint", action="append", default=[], type=Path, help=checkpoint_help)
    parser.add_argument("--out", type=Path, default=results, help=f"results file (default {repo_label(results)})")


def networks(checkpoints: list[Path]) -> dict[str, Denoiser]:
    """Miniproject_1 weights -> ``{label relative to the checkout: predict}``; every missing file is named before any loads."""
    missing = [str(path) for path in checkpoints if not path.is_file()]
    if missing:
        raise SystemExit(f"checkpoint not found: {', '.join(missing)} (pass an existing Miniproject_1 .pth file)")
    return {repo_label(path): denoisers.miniproject1(path) for path in checkpoints}


def matching_photos(parts: list[str]) -> list[PhotoFile]:
    """The validation photos whose id contains one of ``parts``; ``SystemExit`` when none does."""
    chosen = [photo for photo in validation_photos() if any(part in photo.id for part in parts)]
    if not chosen:
        raise SystemExit(f"no validation photo id contains any of {parts}")
    return chosen


@dataclass
class PhotoSweep:
    """The parsed options of a sweep over the validation photos, σ values and Miniproject_1 weights."""

    args: argparse.Namespace
    checkpoints: list[Path]
    networks: dict[str, Denoiser]
    photos: list[PreparedPhoto]

    def noisy_copies(self) -> Iterator[tuple[float, PreparedPhoto, torch.Tensor]]:
        """``(sigma, photo, noisy uint8 (1, 3, H, W))`` for every σ, then every photo (noise seed 0)."""
        for sigma in self.args.sigmas:
            for photo in self.photos:
                yield sigma, photo, noisy_copy(photo, sigma)

    def provenance(self, module: str, argv: list[str] | None) -> dict:
        """The weights' SHA-256 and the command line, for the results file."""
        return {"checkpoints": {repo_label(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in self.checkpoints},
                "command": f"python -m {module} " + " ".join(sys.argv[1:] if argv is None else argv)}


def photo_sweep(description: str, results: Path, argv: list[str] | None) -> PhotoSweep:
    """Parse ``--checkpoint`` (default: the shipped weights), ``--out``, ``--sigmas`` and ``--threads``, set the
    thread count, load the networks and prepare the validation photos (short side 512)."""
    parser = argparse.ArgumentParser(description=description)
    add_checkpoint_options(parser, "Miniproject_1 weights to measure (repeatable; default: the shipped bestmodel.pth)", results)
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15.0, 25.0, 50.0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    checkpoints = args.checkpoint or [BEST_MODEL_PATH]
    chosen = networks(checkpoints)
    return PhotoSweep(args, checkpoints, chosen, [prepare_photo(photo) for photo in validation_photos()])
