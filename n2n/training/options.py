"""The options of ``n2n train``, shared with ``python -m n2n.training`` / ``torchrun -m n2n.training``."""

from __future__ import annotations

import argparse
from pathlib import Path

from n2n.training.engines import ENGINES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The training options, shared by ``n2n train`` and ``torchrun -m n2n.training``."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="train_data.pkl-style file of noisy pairs (a, b)")
    source.add_argument("--noisy-a", type=Path, help="folder of first noisy copies (with --noisy-b)")
    source.add_argument("--photos", nargs="?", const="default", metavar="DIR",
                        help="clean photos to cut fresh crops from at every step, with noise synthesised per batch "
                             "(no DIR: the training photos of the default pool, fetched into cache/photos)")
    source.add_argument("--single", type=Path, metavar="DIR",
                        help="folder of single noisy PNG/JPEG photos (one shot per scene): self-supervised "
                             "Neighbor2Neighbor training on random crops, no pairs needed")
    parser.add_argument("--single-from-pairs", action="store_true",
                        help="with --data: train Neighbor2Neighbor on the first noisy copies only (the second copies unused)")
    parser.add_argument("--noisy-b", type=Path, help="folder of second noisy copies, same file names as --noisy-a")
    parser.add_argument("--crops", type=int, default=50_000, help="random crops drawn from the folders (default 50000)")
    parser.add_argument("--crop-size", type=int, default=None, help="crop size for --noisy-a folders (default 64), --photos or --single (default 96)")
    parser.add_argument("--noise", default="mixed", help="with --photos: noise of both copies, as for `n2n data build` (default mixed)")
    parser.add_argument("--target", choices=["noisy", "clean", "single"], default="noisy",
                        help="with --photos: train Noise2Noise (noisy, default), the Noise2Clean control (clean), or "
                             "Neighbor2Neighbor on the noisy inputs alone (single)")
    parser.add_argument("--teacher", type=Path, default=None, metavar="WEIGHTS",
                        help="with --photos: targets are these Miniproject_1 weights' 8-symmetry self-ensemble on the "
                             "noisy input (self-distillation; the second noisy copy is not used)")
    parser.add_argument("--teacher-symmetries", type=int, default=None, metavar="K",
                        help="with --teacher: symmetries drawn per crop for its target (1-8, default 2; 8 is the full "
                             "ensemble at 4 times a step's cost, fewer an unbiased estimate of it)")
    parser.add_argument("--single-targets", choices=["unclipped", "clipped"], default=None,
                        help="with --photos --target single: take the sub-image targets from the synthetic noisy copy "
                             "before clipping to [0, 255] (unclipped, default, like the Noise2Noise targets) or after "
                             "(clipped, what a real photo file holds)")
    parser.add_argument("--single-loss", choices=["l2", "l1"], default=None,
                        help="single-image training: squared (l2, default) or absolute (l1) errors; l1 learns the median, "
                             "which clipping to [0, 255] does not move, so it suits targets from photo files")
    parser.add_argument("--single-gamma", type=float, default=None, metavar="GAMMA",
                        help="single-image training: weight of the Neighbor2Neighbor regulariser at the end of the run, "
                             "ramped up from 0 (default 0.5; the paper's 2 scored lower in our runs)")
    parser.add_argument("--steps-per-epoch", type=int, default=500, help="with --photos or --single: optimiser steps per epoch (default 500)")
    parser.add_argument("--val-photos", action="store_true",
                        help="also score every epoch on the 6 whole validation photos (Gaussian sigma 25, short side 512) "
                             "and keep the best epoch by that score")
    parser.add_argument("--photo-scales", type=int, nargs="+", default=None, metavar="SIDE",
                        help="with --photos: short sides (px) each photo is held at (default 256 384 512 768)")
    parser.add_argument("--loss", choices=["mse", "noise-normalised", "std-normalised"], default=None,
                        help="with --photos: plain MSE (default), or each crop's MSE divided by its noise variance "
                             "(noise-normalised) or standard deviation (std-normalised, gentler), both estimated from "
                             "the two noisy copies, so that low noise levels weigh more")
    parser.add_argument("--gray-fraction", type=float, default=None, metavar="F",
                        help="with --photos: share of crops turned grey before the noise (default 0)")
    parser.add_argument("--same-noise-fraction", type=float, default=None, metavar="F",
                        help="with --gray-fraction: share of the grey crops whose noise is the same in all channels, "
                             "as in a greyscale file (default 0)")
    parser.add_argument("--tone-fraction", type=float, default=None, metavar="F",
                        help="with --photos: share of crops whose tones are remapped (random per-channel gamma and "
                             "gain, clipped) before the noise, for more shadows and highlights, where clipping biases "
                             "noisy photos (default 0)")
    parser.add_argument("--tone-gain-max", type=float, default=None, metavar="G",
                        help="with --tone-fraction: the largest gain of the tone curves, between 0.5 and 4 (default 2; "
                             "1 never saturates highlights)")
    parser.add_argument("--init", type=Path, metavar="WEIGHTS",
                        help="torch engine: start from these Miniproject_1 weights (fine-tuning; architecture read "
                             "from them) with a fresh optimiser and schedule; not with --resume")
    parser.add_argument("--widen", default=None, metavar="W0,W1,...",
                        help="torch engine, with --init: first widen those weights to these per-level widths (full "
                             "resolution first, one per level, none narrower than now) without changing what the "
                             "network computes; the added channels are learnt from there")
    parser.add_argument("--val", type=Path, required=True, help="val_data.pkl-style file (noisy, clean)")
    parser.add_argument("--epochs", type=int, default=10, help="total epochs (default 10)")
    parser.add_argument("--out", type=Path, required=True, help="where to save the best weights (.pth)")
    parser.add_argument("--engine", default="torch", choices=sorted(ENGINES), help="training engine (default torch)")
    parser.add_argument("--arch", default=None, help="network, engine-specific (torch: WIDTHxDEPTH, e.g. 32x2)")
    parser.add_argument("--batch-size", type=int, default=None, help="global batch size (engine default if omitted)")
    parser.add_argument("--lr", type=float, default=None, help="peak learning rate (engine default if omitted)")
    parser.add_argument("--limit", type=int, help="use only the first LIMIT training pairs")
    parser.add_argument("--no-augment", action="store_true", help="disable flips/rotations and input/target swaps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--keep-epochs", action="store_true",
                        help="torch engine: also keep every epoch's weights as OUT.epochNNN.pth (to score epochs on "
                             "other measures later)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT.last.pth")
    parser.add_argument("--force", action="store_true", help="start over even if OUT exists")
