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
from matplotlib.patches import Rectangle

from n2n.data.course import load_val
from n2n.data.images import most_textured_window, read_image
from n2n.evaluation.evaluate import VAL_SETS
from n2n.metrics import psnr_per_image
from n2n.paths import EXAMPLES, REPO_ROOT
from n2n.report.figures import TEXT_WIDTH, plt, save

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


def image(ax, tensor: torch.Tensor, title: str | None = None, below: str | None = None) -> None:
    ax.imshow(tensor.clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy(), interpolation="nearest")
    if title:
        ax.set_title(title, fontsize=8.5, pad=2)
    if below:
        ax.text(0.5, -0.04, below, transform=ax.transAxes, ha="center", va="top", fontsize=8)
    ax.set_axis_off()


def crop_grid(denoise: Denoiser, repo: Path, path: Path, count: int) -> dict | None:
    """``count`` rows of crops; per noise model a group of noisy / denoised / clean, per-crop PSNR below. None
    without val sets. Drawn at the reports' text width."""
    sets = [name for name in GRID_SETS if (repo / VAL_SETS[name]).is_file()]
    if not sets or count < 1:
        return None
    ratios = [r for _ in sets for r in (1, 1, 1, 0.22)][:-1]  # a narrow gap between the noise models' groups
    tile = TEXT_WIDTH / sum(ratios)
    figure, axes = plt.subplots(count, len(ratios), figsize=(TEXT_WIDTH, count * tile * 1.25 + 0.2), squeeze=False,
                                gridspec_kw={"width_ratios": ratios, "wspace": 0.05, "hspace": 0.22})
    record = {"indices": None, "columns": 3 * len(sets), "psnr": {}}
    for group, name in enumerate(sets):
        noisy, clean = load_val(repo / VAL_SETS[name])
        indices = spread_indices(count, noisy.shape[0])
        record["indices"] = indices
        noisy, clean = noisy[indices], clean[indices]
        denoised = denoise(noisy).float()
        before, after = psnr_per_image(noisy, clean).tolist(), psnr_per_image(denoised, clean).tolist()
        record["psnr"][name] = [{"noisy": b, "denoised": a} for b, a in zip(before, after)]
        first = 4 * group
        for k in range(count):
            titles = ("noisy", "denoised", "clean") if k == 0 else (None, None, None)
            image(axes[k][first], noisy[k].float(), titles[0], f"{before[k]:.1f} dB")
            image(axes[k][first + 1], denoised[k], titles[1], f"{after[k]:.1f} dB")
            image(axes[k][first + 2], clean[k].float(), titles[2])
        axes[0][first + 1].annotate(name, (0.5, 1.32), xycoords="axes fraction", ha="center", va="bottom", fontsize=9, weight="bold")
        if group + 1 < len(sets):
            for k in range(count):
                axes[k][first + 3].set_axis_off()
    save(figure, path)
    return record


ZOOM_WINDOW, ZOOM_STRIDE = 64, 8  # pixels of the example photo shown enlarged, and the grid the window is chosen on


def example_photo(denoise: Denoiser, repo: Path, path: Path) -> dict | None:
    """The demo's example photo, whole and noisy with the window marked, then that window enlarged: noisy /
    denoised / clean. The window is the most textured one. None when the example is missing."""
    examples = repo / EXAMPLES.relative_to(REPO_ROOT)
    noisy_path, clean_path = examples / "example_noisy.png", examples / "example_clean.png"
    if not noisy_path.is_file() or not clean_path.is_file():
        return None
    noisy, clean = read_image(noisy_path), read_image(clean_path)
    denoised = denoise(noisy).float()
    before, after = float(psnr_per_image(noisy, clean)[0]), float(psnr_per_image(denoised, clean)[0])
    height, width = noisy.shape[-2:]
    size = min(ZOOM_WINDOW, height, width)
    top, left = most_textured_window(clean, size, ZOOM_STRIDE)

    def window(x: torch.Tensor) -> torch.Tensor:
        return x[0, :, top : top + size, left : left + size].float()

    ratios = [width / height, 1, 1, 1]
    panel_height = TEXT_WIDTH / (sum(ratios) * 1.04)
    figure, axes = plt.subplots(1, 4, figsize=(TEXT_WIDTH, panel_height + 0.25), gridspec_kw={"width_ratios": ratios, "wspace": 0.04})
    image(axes[0], noisy[0].float(), f"noisy photo, {before:.2f} dB")
    axes[0].add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False, edgecolor="white", lw=1.2))
    image(axes[1], window(noisy), "noisy (window)")
    image(axes[2], window(denoised), f"denoised, {after:.2f} dB")
    image(axes[3], window(clean), "clean")
    save(figure, path)
    return {"file": noisy_path.relative_to(repo).as_posix(), "size": [int(height), int(width)], "psnr_noisy": before, "psnr_denoised": after,
            "window": {"top": top, "left": left, "size": size, "zoom": round(height / size, 2)}}  # enlargement against the whole photo
