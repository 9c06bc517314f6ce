"""Where a denoiser's error lies on a whole photo: ``python -m experiments.error_breakdown``.

Whole-photo PSNR says how much a denoiser misses, not where. For each chosen validation photo (the
noisy copy of ``n2n evaluate --photos``: short side 512, Gaussian ``--sigma``, noise seed 0) this
splits the squared error of BM3D (true sigma) and of Miniproject_1 weights (the shipped ``bestmodel.pth``
or each ``--checkpoint``; tiled, rounded to uint8, as ``n2n denoise --grey no`` writes it: the network's own
output, whose colour noise on a grey photo the grey step would remove) two ways (:func:`breakdown`):

- **colour**: into luma and the two chroma axes of an orthonormal opponent transform (the mean
  squared error per pixel and channel is the sum of the three parts);
- **texture**: by the clean image's local gradient (absolute horizontal plus vertical difference of
  its grey level, grey levels per pixel): flat (< 1), smooth (1-3), textured (3-8) and edges (>= 8),
  the mean squared error over the pixels of each stratum, with the stratum's share of the image.

Writes ``results/whole_photos/error_breakdown.json`` (or ``--out``); each network row is named by its weights
file, relative to the checkout, and the file records every checkpoint's SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import torch

from experiments.photo_options import add_checkpoint_options, matching_photos, networks
from Miniproject_1.model import BEST_MODEL_PATH
from n2n.evaluation.whole_photos import BM3D, noisy_copy, prepare_photo, quantize, run_network
from n2n.fileio import atomic_write_text
from n2n.inference.grey import opponent
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT, repo_label

RESULTS = REPO_ROOT / "results" / "whole_photos" / "error_breakdown.json"
STRATA = (("flat", 0.0, 1.0), ("smooth", 1.0, 3.0), ("textured", 3.0, 8.0), ("edges", 8.0, float("inf")))


def gradient(clean: torch.Tensor) -> torch.Tensor:
    """``(N, 1, H-1, W-1)``: |vertical| + |horizontal| difference of the grey level (channel mean) of ``clean``."""
    grey = clean.float().mean(dim=1, keepdim=True)
    return (grey[..., 1:, 1:] - grey[..., :-1, 1:]).abs() + (grey[..., 1:, 1:] - grey[..., 1:, :-1]).abs()


def breakdown(output: torch.Tensor, clean: torch.Tensor) -> dict:
    """Squared error of ``output`` against ``clean`` (both ``(N, 3, H, W)`` in [0, 255]), split by colour and texture."""
    error = output.double() - clean.double()
    mse = float(error.pow(2).mean())
    parts = opponent(error).pow(2).mean(dim=(0, 2, 3)) / 3
    per_pixel = error[..., 1:, 1:].pow(2).mean(dim=1, keepdim=True)
    slope = gradient(clean)
    texture = {}
    for name, low, high in STRATA:
        inside = (slope >= low) & (slope < high)
        texture[name] = {"share": float(inside.double().mean()), "mse": float(per_pixel[inside].mean()) if inside.any() else None}
    return {"psnr": psnr(output, clean), "mse": mse, "colour": {"luma": float(parts[0]), "chroma": float(parts[1] + parts[2])},
            "texture": texture}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", default=["Grey"], help="validation photos whose id contains one of these (default Grey)")
    parser.add_argument("--sigma", type=float, default=15.0)
    parser.add_argument("--threads", type=int, default=2)
    add_checkpoint_options(parser, "Miniproject_1 weights to break down (repeatable; default: the shipped bestmodel.pth)", RESULTS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    checkpoints = args.checkpoint or [BEST_MODEL_PATH]
    chosen_networks = networks(checkpoints)
    chosen = matching_photos(args.photos)
    rows = []
    for photo_file in chosen:
        photo = prepare_photo(photo_file)
        noisy = noisy_copy(photo, args.sigma)
        outputs = {"noisy input": noisy, "BM3D (σ given)": quantize(BM3D.make(args.sigma)(noisy)),
                   **{name: quantize(run_network(network, noisy, grey="no")) for name, network in chosen_networks.items()}}
        for name, output in outputs.items():
            rows.append({"photo": photo.id, "denoiser": name, **breakdown(output, photo.clean)})
            row = rows[-1]
            print(f"{row['photo']} {row['denoiser']}: {row['psnr']:.2f} dB, luma {row['colour']['luma']:.2f}, chroma "
                  f"{row['colour']['chroma']:.2f}, " + ", ".join(f"{k} {v['mse']:.2f}" for k, v in row["texture"].items()), flush=True)
    record = {"sigma": args.sigma, "noise_seed": 0, "strata": [list(s[:2]) + [s[2] if s[2] != float("inf") else None] for s in STRATA],
              "checkpoints": {repo_label(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in checkpoints},
              "command": "python -m experiments.error_breakdown " + " ".join(sys.argv[1:] if argv is None else argv),
              "rows": rows}
    atomic_write_text(json.dumps(record, indent=2) + "\n", args.out, overwrite=True)
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
