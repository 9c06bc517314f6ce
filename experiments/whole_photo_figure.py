"""Report_1's whole-photo figure: ``python -m experiments.whole_photo_figure``.

One validation photograph (short side 512, Gaussian sigma 25, the same noisy copy as
``n2n evaluate --photos``) denoised whole by BM3D (true sigma) and by the shipped Miniproject_1
model (tiled, as ``n2n denoise``). The figure shows the most textured 128x128 window of the photo
(largest standard deviation of the clean image, on a 16 px grid), 2x enlarged: noisy | BM3D |
network | clean. Writes ``results/whole_photos/figure.png`` and ``figure.json`` (whole-image PSNRs,
the window, the model file's SHA-256, so a stale figure can be told apart).
"""

from __future__ import annotations

import argparse
import hashlib
import json

import torch
import torch.nn.functional as F

from Miniproject_1.model import BEST_MODEL_PATH
from n2n.data.images import most_textured_window, write_image
from n2n.evaluation.whole_photos import (
    BM3D,
    noisy_copy,
    prepare_photo,
    quantize,
    run_network,
    validation_photos,
)
from n2n.fileio import atomic_write_text
from n2n.inference import denoisers
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT

RESULTS = REPO_ROOT / "results" / "whole_photos"
WINDOW, STRIDE, ZOOM = 128, 16, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", type=int, default=0, help="index of the validation photo, sorted by id (default 0)")
    parser.add_argument("--sigma", type=float, default=25.0)
    args = parser.parse_args(argv)
    photos = validation_photos()
    if not 0 <= args.photo < len(photos):
        raise SystemExit(f"--photo must be in [0, {len(photos) - 1}]")
    photo = prepare_photo(photos[args.photo])
    noisy = noisy_copy(photo, args.sigma)
    outputs = {"BM3D (σ given)": quantize(BM3D.make(args.sigma)(noisy)),
               "Miniproject_1 shipped": quantize(run_network(denoisers.get("miniproject1"), noisy))}
    top, left = most_textured_window(photo.clean, WINDOW, STRIDE)
    panels = [noisy, *outputs.values(), photo.clean]
    zoomed = [F.interpolate(p[:, :, top : top + WINDOW, left : left + WINDOW].float(), scale_factor=ZOOM, mode="nearest").to(torch.uint8)
              for p in panels]
    gap = torch.full((1, 3, WINDOW * ZOOM, 6), 255, dtype=torch.uint8)
    grid = torch.cat([piece for panel in zoomed for piece in (panel, gap)][:-1], dim=3)
    write_image(grid, RESULTS / "figure.png", overwrite=True)
    record = {"photo": photo.id, "sigma": args.sigma, "size": [int(photo.clean.shape[2]), int(photo.clean.shape[3])],
              "window": {"top": top, "left": left, "size": WINDOW, "zoom": ZOOM},
              "panels": ["noisy input", *outputs, "clean"],
              "psnr": {"noisy input": psnr(noisy, photo.clean), **{name: psnr(out, photo.clean) for name, out in outputs.items()}},
              "model_sha256": hashlib.sha256(BEST_MODEL_PATH.read_bytes()).hexdigest()}
    atomic_write_text(json.dumps(record, indent=2) + "\n", RESULTS / "figure.json", overwrite=True)
    print(json.dumps(record["psnr"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
