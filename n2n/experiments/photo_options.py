"""Options the per-photo experiments share: which validation photos, which Miniproject_1 weights, where results go."""

from __future__ import annotations

import argparse
from pathlib import Path

from n2n.evaluation.whole_photos import PhotoFile, validation_photos
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
