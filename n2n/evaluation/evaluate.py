"""PSNR tables: denoisers x validation sets, with the course PSNR (:func:`n2n.metrics.psnr`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterable

import torch

from n2n.data.course import load_val
from n2n.metrics import psnr
from n2n.paths import PACKAGE_DATA, REPO_ROOT, in_checkout
from n2n.progress import bar

Denoiser = Callable[[torch.Tensor], torch.Tensor]
VAL_SETS = {
    "mixed": "data/val_data.pkl",
    "gaussian25": "data/val_gaussian25.pkl",
    "poisson": "data/val_poisson.pkl",
    "pixelate": "data/val_pixelate.pkl",
}


def available_val_sets(root: str | Path | None = None) -> dict[str, Path]:
    """The validation sets that exist under ``root``: name -> path.

    Without ``root``: the committed sets in the checkout's ``data/`` (1000 crops each) or, after a
    regular install, the first :data:`n2n.paths.PACKAGE_VAL_CROPS` crops of each, shipped in the package.
    """
    if root is None and not in_checkout():
        return {name: path for name, path in ((n, PACKAGE_DATA / "val" / Path(p).name) for n, p in VAL_SETS.items()) if path.is_file()}
    root = REPO_ROOT if root is None else Path(root)
    found = {name: root / path for name, path in VAL_SETS.items()}
    return {name: path for name, path in found.items() if path.is_file()}


def evaluate(denoisers: dict[str, Denoiser], val_sets: dict[str, Path], limit: int | None = None) -> list[dict]:
    """Rows ``{"denoiser", "val_set", "psnr", "seconds", "images"}``; a ``"noisy input"`` row per set comes first.

    ``limit`` evaluates only the first ``limit`` images of each set (for slow baselines).
    """
    rows = []
    with bar(total=len(val_sets) * len(denoisers), desc="evaluate", unit="run") as progress:
        for set_name, path in val_sets.items():
            noisy, clean = load_val(path)
            if limit is not None:
                noisy, clean = noisy[:limit], clean[:limit]
            rows.append({"denoiser": "noisy input", "val_set": set_name, "psnr": psnr(noisy, clean), "seconds": 0.0, "images": len(noisy)})
            for name, denoise in denoisers.items():
                progress.set_postfix_str(f"{name} on {set_name}")
                start = time.perf_counter()
                result = denoise(noisy)
                rows.append({"denoiser": name, "val_set": set_name, "psnr": psnr(result, clean),
                             "seconds": time.perf_counter() - start, "images": len(noisy)})
                progress.update()
    return rows


def format_table(rows: Iterable[dict]) -> str:
    """A Markdown table: one row per denoiser, one column per validation set (PSNR in dB)."""
    rows = list(rows)
    sets = list(dict.fromkeys(row["val_set"] for row in rows))
    names = list(dict.fromkeys(row["denoiser"] for row in rows))
    value = {(row["denoiser"], row["val_set"]): row["psnr"] for row in rows}
    lines = ["| denoiser | " + " | ".join(f"{s} (dB)" for s in sets) + " |", "|---" * (len(sets) + 1) + "|"]
    for name in names:
        cells = [f"{value[name, s]:.2f}" if (name, s) in value else "–" for s in sets]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
