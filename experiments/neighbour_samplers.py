"""Showed that Neighbor2Neighbor samplers whose paired pixels lie 3 px apart (outside a pixelation block) lose on mixed noise: quarter-size sub-images are too coarse, a 3 px offset blurs.

``python -m experiments.neighbour_samplers cells|far OUT [--spacing K] [--targets clipped] [--noise mixed]``
trains the single-image run of the mixed-noise table (``n2n train --photos default --target single``, U-Net 32x3,
1000 Adam steps of 8 crops, seed 0; ``results/single_image/mixed_gap_check/README.md``) with another sub-sampler
patched into :mod:`n2n.training.neighbor2neighbor` for this process only:

- ``cells``: K x K cells, the pair at the two ends of one row or column (K-1 px apart), sub-images of 1/K the side;
  crops of 64*K px so the sub-images stay 64 px;
- ``far``: half-size sub-images whose paired pixels are K px apart (K odd; one orientation and one column/row parity
  per image, so the two sub-images never share a pixel); crops of 128 px.

The regulariser's weight is pinned at 2 (the default when these ran). Score the result with
:mod:`experiments.mixed_gap_scores`.
"""

from __future__ import annotations

import argparse

import torch

import n2n.training.neighbor2neighbor as n2n_sampler


def cell_pairs(k: int) -> torch.Tensor:
    """(4k, 2) positions ``row * k + column`` in a k x k cell: the two ends of each row and of each column, both ways."""
    pairs = []
    for r in range(k):
        pairs += [[r * k, r * k + k - 1], [r * k + k - 1, r * k]]
    for c in range(k):
        pairs += [[c, (k - 1) * k + c], [(k - 1) * k + c, c]]
    return torch.tensor(pairs)


def cell_sampler(k: int):
    """``(random_cells, subsample)`` for k x k cells (drop-in replacements of the 2x2 ones)."""
    pairs = cell_pairs(k)

    def random_cells(n, height, width, generator=None, device=None):
        chosen = pairs[torch.randint(0, len(pairs), (n, height // k, width // k), generator=generator)]
        return n2n_sampler.CellChoice(chosen[..., 0].to(device), chosen[..., 1].to(device))

    def subsample(images, cells):
        n, c, height, width = images.shape
        h, w = height // k, width // k
        blocks = images.reshape(n, c, h, k, w, k).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h, w, k * k)
        index = cells.to(images.device).view(n, 1, h, w, 1).expand(n, c, h, w, 1)
        return blocks.gather(4, index).squeeze(4)

    return random_cells, subsample


def far_sampler(distance: int):
    """``(random_cells, subsample)`` for half-size sub-images whose paired pixels are ``distance`` (odd) px apart.

    Per image one orientation and one parity p: horizontally, g1 takes from row pair i a random row 2i+a and the
    column 2j+p; g2 the same row, column 2j+p+distance or 2j+p-distance (random, inside the image). The cell choices
    are flat pixel indices (N, H/2, W/2)."""

    def random_cells(n, height, width, generator=None, device=None):
        h, w = height // 2, width // 2
        vertical = torch.randint(0, 2, (n, 1, 1), generator=generator).bool()
        parity = torch.randint(0, 2, (n, 1, 1), generator=generator)
        a = torch.randint(0, 2, (n, h, w), generator=generator)
        sign = torch.randint(0, 2, (n, h, w), generator=generator) * 2 - 1
        i = torch.arange(h).view(1, -1, 1).expand(n, h, w)
        j = torch.arange(w).view(1, 1, -1).expand(n, h, w)

        def pair(k, size):  # along the pairing axis: position 2k + parity, and its partner
            base = 2 * k + parity
            other = base + sign * distance
            other = torch.where(other >= size, base - distance, other)
            return base, torch.where(other < 0, base + distance, other)

        c1, c2 = pair(j, width)
        r = 2 * i + a
        r1, r2 = pair(i, height)
        c = 2 * j + a
        first = torch.where(vertical, r1 * width + c, r * width + c1)
        second = torch.where(vertical, r2 * width + c, r * width + c2)
        return n2n_sampler.CellChoice(first.to(device), second.to(device))

    def subsample(images, cells):
        n, c, height, width = images.shape
        h, w = height // 2, width // 2
        index = cells.to(images.device).view(n, 1, h * w).expand(n, c, h * w)
        return images.reshape(n, c, height * width).gather(2, index).view(n, c, h, w)

    return random_cells, subsample


def check_far_sampler(distance: int) -> None:
    """The sanity check the far sampler ran with: the two sub-images share no pixel and pairs are ``distance`` apart."""
    random_cells, _ = far_sampler(distance)
    cells = random_cells(4, 16, 16, torch.Generator().manual_seed(0))
    for k in range(4):
        assert not set(cells.first[k].flatten().tolist()) & set(cells.second[k].flatten().tolist())
    gap = (cells.first - cells.second).abs()
    assert ((gap == distance) | (gap == distance * 16)).all()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m experiments.neighbour_samplers", description=__doc__.split("\n")[0])
    parser.add_argument("sampler", choices=["cells", "far"], help="K x K cells, or half-size sub-images with pairs K px apart")
    parser.add_argument("out", help="the checkpoint to write (e.g. cache/proto/mixed_cell4_clipped.pth)")
    parser.add_argument("--spacing", type=int, default=None, help="K: the cell side (default 4) or the pair distance (odd, default 3)")
    parser.add_argument("--targets", choices=["clipped", "unclipped"], default="clipped", help="--single-targets of n2n train")
    parser.add_argument("--noise", default="mixed", help="training noise (default mixed)")
    args = parser.parse_args(argv)
    args.spacing = args.spacing or (4 if args.sampler == "cells" else 3)
    if args.spacing < 2 or (args.sampler == "far" and args.spacing % 2 == 0):
        parser.error("--spacing must be at least 2 for cells and odd for far")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.sampler == "cells":
        sampler, crop_size = cell_sampler(args.spacing), 64 * args.spacing
    else:
        check_far_sampler(args.spacing)
        sampler, crop_size = far_sampler(args.spacing), 128
    n2n_sampler.random_cells, n2n_sampler.subsample = sampler
    from n2n.cli import main as n2n_main

    return n2n_main(["train", "--photos", "default", "--target", "single", "--noise", args.noise, "--arch", "32x3",
                     "--epochs", "4", "--steps-per-epoch", "250", "--batch-size", "8", "--crop-size", str(crop_size),
                     "--lr", "0.001", "--seed", "0", "--val", "data/val_data.pkl", "--out", args.out, "--threads", "2",
                     "--quiet", "--force", "--single-targets", args.targets, "--single-gamma", "2"])


if __name__ == "__main__":
    raise SystemExit(main())
