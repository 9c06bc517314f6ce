"""Qualitative figures: validation crops and the example photo, denoised by a shipped model.

These are the only report figures computed at build time rather than read from ``results/``:
they run ``Model().load_pretrained_model()`` then ``predict`` of Miniproject_1 or Miniproject_2
on the committed validation sets (``data/val_*.pkl``) and on the ``n2n demo`` example photo
(``n2n/package_data/examples/example_noisy.png``, with its clean original). The PSNRs shown are returned so the
report data file records them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

from n2n.data.course import load_val
from n2n.data.images import read_image
from n2n.evaluation.evaluate import VAL_SETS
from n2n.metrics import psnr_per_image
from n2n.paths import EXAMPLES, REPO_ROOT
from n2n.report.figures import plt, save

Denoiser = Callable[[torch.Tensor], torch.Tensor]
GRID_SETS = ("gaussian25", "poisson", "pixelate")


def shipped_denoiser(miniproject: int) -> Denoiser:
    """``predict`` of the shipped ``Miniproject_<n>`` model; FileNotFoundError/ValueError when its weights are unusable."""
    if miniproject == 1:
        from Miniproject_1.model import Model
    else:
        from Miniproject_2.model import Model
    model = Model()
    model.load_pretrained_model()

    def predict(images: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():  # Miniproject_2 must run with autograd off; harmless for Miniproject_1
            return model.predict(images)

    return predict


def spread_indices(count: int, total: int) -> list[int]:
    """``count`` crop indices spread evenly over ``range(total)``."""
    return [int((i + 0.5) * total / count) for i in range(count)]


def image(ax, tensor: torch.Tensor, title: str) -> None:
    ax.imshow(tensor.clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy(), interpolation="nearest")
    ax.set_title(title, fontsize=6, pad=1.5)
    ax.set_axis_off()


def crop_grid(denoise: Denoiser, repo: Path, path: Path, count: int) -> dict | None:
    """Rows: noise models; per crop, noisy / denoised / clean with per-image PSNRs. None without val sets."""
    sets = [name for name in GRID_SETS if (repo / VAL_SETS[name]).is_file()]
    if not sets or count < 1:
        return None
    tile = 0.85  # inches per crop: the grid grows with ``count`` instead of filling the page width
    figure, axes = plt.subplots(len(sets), 3 * count, figsize=(tile * 3 * count, tile * len(sets) * 1.15), squeeze=False)
    record = {"indices": None, "columns": 3 * count, "psnr": {}}
    for row, name in enumerate(sets):
        noisy, clean = load_val(repo / VAL_SETS[name])
        indices = spread_indices(count, noisy.shape[0])
        record["indices"] = indices
        noisy, clean = noisy[indices], clean[indices]
        denoised = denoise(noisy).float()
        before, after = psnr_per_image(noisy, clean).tolist(), psnr_per_image(denoised, clean).tolist()
        record["psnr"][name] = [{"noisy": b, "denoised": a} for b, a in zip(before, after)]
        for k in range(count):
            image(axes[row][3 * k], noisy[k].float(), f"noisy {before[k]:.1f} dB")
            image(axes[row][3 * k + 1], denoised[k], f"denoised {after[k]:.1f} dB")
            image(axes[row][3 * k + 2], clean[k].float(), "clean")
        axes[row][0].text(-0.08, 0.5, name, rotation=90, ha="right", va="center", fontsize=6,
                          transform=axes[row][0].transAxes)
    figure.subplots_adjust(wspace=0.04, hspace=0.22)
    save(figure, path)
    return record


def example_photo(denoise: Denoiser, repo: Path, path: Path) -> dict | None:
    """The demo's example photo: noisy / denoised / clean, full size. None when the example is missing."""
    examples = repo / EXAMPLES.relative_to(REPO_ROOT)
    noisy_path, clean_path = examples / "example_noisy.png", examples / "example_clean.png"
    if not noisy_path.is_file() or not clean_path.is_file():
        return None
    noisy, clean = read_image(noisy_path), read_image(clean_path)
    denoised = denoise(noisy).float()
    before, after = float(psnr_per_image(noisy, clean)[0]), float(psnr_per_image(denoised, clean)[0])
    height, width = noisy.shape[-2:]
    figure, axes = plt.subplots(1, 3, figsize=(6.4, 6.4 / 3 * height / width * 1.1))
    image(axes[0], noisy[0].float(), f"noisy input, {before:.2f} dB")
    image(axes[1], denoised[0], f"denoised, {after:.2f} dB")
    image(axes[2], clean[0].float(), "clean original")
    figure.subplots_adjust(wspace=0.03)
    save(figure, path)
    return {"file": noisy_path.relative_to(repo).as_posix(), "size": [int(height), int(width)], "psnr_noisy": before, "psnr_denoised": after}
