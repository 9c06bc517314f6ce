"""Make the demo's example photo: ``python -m experiments.make_example``.

Takes the first validation photograph of the stand-in data set (split by :func:`n2n.data.build.split_photos`,
so no training crop comes from it), scaled to a short side of 256, a centred 256x192 crop, and
corrupts it with Gaussian noise (sigma = 25). Writes ``n2n/package_data/examples/example_noisy.png`` and the clean
``example_clean.png`` beside it (for the demo's PSNR).
"""

from __future__ import annotations

import argparse

import torch

from n2n.data.build import split_photos
from n2n.data.crops import load_scaled
from n2n.data.images import write_image
from n2n.data.noise import parse_noise
from n2n.data.photos import default_photos
from n2n.paths import EXAMPLES

FOLDER = EXAMPLES  # shipped inside the package, so `n2n demo` works from any install


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    photos, _ = default_photos(fetch=True)
    _, val = split_photos(photos)
    image = load_scaled(val[0], (256,))[0]
    height, width = 192, 256
    top, left = (image.shape[1] - height) // 2, (image.shape[2] - width) // 2
    clean = image[None, :, top : top + height, left : left + width].contiguous()
    noisy = parse_noise("gaussian:25").corrupt(clean, torch.Generator().manual_seed(0))
    write_image(clean, FOLDER / "example_clean.png", overwrite=args.force)
    write_image(noisy, FOLDER / "example_noisy.png", overwrite=args.force)
    print(f"example from validation photo {val[0].id}: {FOLDER}/example_noisy.png, {FOLDER}/example_clean.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
