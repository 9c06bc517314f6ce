"""How far a Noise2Noise target that went through JPEG or a camera pipeline is from the clean photo.

Noise2Noise trains towards the mean of the target copy given the input: the clean image only when
the target's noise is zero-mean. A JPEG file's noise is not (4:2:0 averages the chroma over 2 x 2
blocks, quantisation rounds the DCT), and neither is a developed camera image's (demosaicing blurs
colour edges, clipped shadows). This script measures that bias on the 6 whole validation photos
(short side 512 px): for each fixed-level noise spec it draws one set of per-photo parameters (the
camera's colour matrix, white balance and Bayer phase; the JPEG grid offset), then ``K`` noisy
copies through them, and reports the PSNR of their mean against the clean photo with the finite-K
noise removed (``MSE(mean) - var / K``): the best a Noise2Noise network could reach on that noise,
ignoring everything but the target's bias. Noise2Clean has no such ceiling.

    python -m experiments.jpeg_target_bias --out results/whole_photos/jpeg_target_bias.json
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import torch

from n2n.data.noise import parse_noise
from n2n.evaluation import whole_photos
from n2n.fileio import atomic_write_text, check_writable

SPECS = ("gaussian:25", "gaussian:15,jpeg:90:420", "gaussian:25,jpeg:90:420", "gaussian:50,jpeg:90:420",
         "gaussian:25,jpeg:90:444", "camera:800", "camera:800,jpeg:90:420", "camera:3200,jpeg:90:420")


def ceiling_db(clean: torch.Tensor, spec: str, copies: int, seed: int) -> dict:
    """Bias of the mean of ``copies`` noisy copies of ``clean (1, 3, H, W)`` uint8 under ``spec``, in dB."""
    model = parse_noise(spec)
    generator = torch.Generator().manual_seed(seed)
    params = model.sample_params(1, generator)
    reference = clean.float()
    total = torch.zeros_like(reference)
    squares = torch.zeros_like(reference)
    for _ in range(copies):
        copy = model.apply(reference, params, generator).clamp(0, 255).round()
        total += copy
        squares += copy * copy
    mean = total / copies
    variance = (squares / copies - mean * mean) * copies / (copies - 1)
    mse_mean = float((mean - reference).pow(2).mean())
    bias_mse = max(mse_mean - float(variance.mean()) / copies, 1e-12)
    return {"spec": spec, "bias_psnr": 10 * math.log10(255**2 / bias_mse), "noise_rms": math.sqrt(float(variance.mean()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--copies", type=int, default=48, help="noisy copies averaged per photo and spec (default 48)")
    parser.add_argument("--size", type=int, default=whole_photos.DEFAULT_SIZE, help="short side of the photos (default 512)")
    parser.add_argument("--force", action="store_true", help="replace --out")
    args = parser.parse_args(argv)
    check_writable(args.out, args.force)
    rows = []
    for photo_file in whole_photos.validation_photos():
        photo = whole_photos.prepare_photo(photo_file, args.size)
        for index, spec in enumerate(SPECS):
            row = {"photo": photo.id, **ceiling_db(photo.clean, spec, args.copies, seed=index)}
            print(f"{photo.id:40s} {spec:28s} ceiling {row['bias_psnr']:6.2f} dB (noise RMS {row['noise_rms']:.1f})")
            rows.append(row)
    means = {spec: sum(r["bias_psnr"] for r in rows if r["spec"] == spec) / sum(r["spec"] == spec for r in rows) for spec in SPECS}
    for spec, value in means.items():
        print(f"mean {spec:28s} {value:6.2f} dB")
    result = {"what": "PSNR of the mean Noise2Noise target against the clean photo (finite-copy noise removed)",
              "settings": {"copies": args.copies, "size": args.size, "photos": "the 6 validation photographs"},
              "rows": rows, "means_db": means}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
