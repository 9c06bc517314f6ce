"""What the noise-level estimate reads on photos saved as JPEG or developed from camera noise.

`n2n denoise` sends a photo whose colour noise is shared by neighbouring pixels to a JPEG and camera
network, and picks one of two (weak noise, strong noise) by the wavelet noise estimate of
``n2n.inference.noise_level``, which JPEG smoothing lowers and texture raises. This script measures
that estimate on *training* photos of the default pool (never the validation photos the networks are
scored on), for Gaussian noise of known sigma then JPEG, and for camera noise then JPEG, so the
threshold between the two networks is set where the two training ranges overlap, without looking at
any score.

    python -m experiments.jpeg_noise_level --out results/whole_photos/jpeg_noise_level.json
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import torch

from n2n.data.noise import parse_noise
from n2n.data.photos import training_photos
from n2n.evaluation import whole_photos
from n2n.fileio import atomic_write_text, check_writable
from n2n.inference.noise_level import noise_sigma

SIGMAS = (3, 5, 10, 15, 20, 25, 30, 35, 40, 50)
ISOS = (100, 200, 400, 800, 1600, 3200, 6400)
JPEGS = ("jpeg:90:420", "jpeg:75:420", "jpeg:95:422")


def specs() -> list[str]:
    gaussian = [f"gaussian:{sigma},{jpeg}" for jpeg in JPEGS for sigma in SIGMAS]
    return gaussian + [f"camera:{iso},{jpeg}" for jpeg in JPEGS[:1] for iso in ISOS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--photos", type=int, default=16, help="training photos used, evenly spaced by id (default 16)")
    parser.add_argument("--size", type=int, default=whole_photos.DEFAULT_SIZE, help="short side of the photos (default 512)")
    parser.add_argument("--force", action="store_true", help="replace --out")
    args = parser.parse_args(argv)
    check_writable(args.out, args.force)
    pool = training_photos()
    step = max(1, len(pool) // args.photos)
    chosen = pool[::step][:args.photos]
    prepared = [whole_photos.prepare_photo(whole_photos.PhotoFile(photo.id, Path(photo.path)), args.size) for photo in chosen]
    rows = []
    for spec in specs():
        parse_noise(spec)  # a typo fails before any work
        estimates = []
        for photo in prepared:
            noisy = whole_photos.noisy_copy(photo, spec)
            estimates.append(noise_sigma(noisy.to(torch.float32)))
        rows.append({"spec": spec, "median": statistics.median(estimates), "min": min(estimates), "max": max(estimates),
                     "estimates": [round(value, 3) for value in estimates]})
        print(f"{spec:28s} median {rows[-1]['median']:6.2f}  range {rows[-1]['min']:6.2f}-{rows[-1]['max']:6.2f}", flush=True)
    result = {"settings": {"photos": [photo.id for photo in prepared], "size": args.size, "noise_seed": 0,
                           "estimate": "n2n.inference.noise_level.noise_sigma (0-255 scale)"},
              "rows": rows}
    atomic_write_text(json.dumps(result, indent=1) + "\n", args.out, overwrite=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
