"""The options of ``n2n train``, shared with ``python -m n2n.training`` / ``torchrun -m n2n.training``.

Grouped for ``--help``: what to train on, noise to synthesise, single-image options, schedule and engine,
output and resume, then the research options. Defaults that depend on the data, the engine or the network
are ``None`` here ("not given"): :mod:`n2n.training.spec_args` reads the options into a TrainSpec, and an
option given where it does nothing is an error, not ignored (:mod:`n2n.training.supports`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from n2n.training.engines import ENGINES
from n2n.training.start import FINE_TUNE_LR

DESCRIPTION = """Train a denoiser on noisy images and keep the best epoch. No clean image is needed:

  n2n train --single my_noisy_photos/ --out my.pth                 (one noisy shot per scene)
  n2n train --noisy-a shots_a/ --noisy-b shots_b/ --out my.pth      (two noisy shots per scene)

then `n2n denoise photo.jpg -o clean.png --checkpoint my.pth`. Your own noisy data fine-tunes the shipped
weights (--from-scratch for a new network) and the starting weights are kept unless an epoch beats them.
Without --val, a few of your images (or pairs) are held out and score every epoch without clean images.

Writes OUT (the best weights by that score, or by --val's PSNR), OUT.last.pth (everything --resume needs) and
OUT.csv (per-epoch loss and scores). Under torchrun (torchrun --nproc_per_node=N -m n2n.training ...) the
torch engine trains with DistributedDataParallel; --batch-size stays the global batch."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The training options on ``parser``, in groups, everyday ones first, and its plain-text description."""
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    _data(parser.add_argument_group("what to train on (one of --data, --noisy-a, --photos, --single)"))
    _noise(parser.add_argument_group("noise to synthesise (with --photos)"))
    _single(parser.add_argument_group("single-image options (with --single, --single-from-pairs or --photos --target single)"))
    _schedule(parser.add_argument_group("schedule and engine"))
    _output(parser.add_argument_group("output and resume"))
    _research(parser.add_argument_group("research options"))


def _data(group: argparse._ArgumentGroup) -> None:
    source = group.add_mutually_exclusive_group(required=True)
    source.add_argument("--single", type=Path, metavar="DIR",
                        help="folder of single noisy PNG/JPEG photos (one shot per scene): self-supervised "
                             "Neighbor2Neighbor training on random crops, no pairs needed")
    source.add_argument("--noisy-a", type=Path, metavar="DIR", help="folder of first noisy copies (with --noisy-b)")
    source.add_argument("--data", type=Path, metavar="FILE", help="train_data.pkl-style file of noisy pairs (a, b)")
    source.add_argument("--photos", nargs="?", const="default", metavar="DIR",
                        help="clean photos to cut fresh crops from at every step, with noise synthesised per batch "
                             "(no DIR: the training photos of the default pool, fetched into cache/photos)")
    group.add_argument("--noisy-b", type=Path, metavar="DIR", help="folder of second noisy copies, same file names as --noisy-a")
    group.add_argument("--val", type=Path, metavar="FILE",
                       help="val_data.pkl-style file of noisy crops and their clean versions, scored after every epoch "
                            "(PSNR). Without it a few of your images (or pairs) are held out and scored without clean "
                            "images (--photos: the whole validation photos)")
    group.add_argument("--crop-size", type=int, default=None, metavar="PX",
                       help="crop size for --noisy-a folders (default 64), --photos or --single (default 96); raised "
                            "to the next size the network takes (single images: 128 px for the shipped network)")
    group.add_argument("--crops", type=int, default=None, metavar="N",
                       help="random crops cut from the --noisy-a/--noisy-b folders (default 50000)")
    group.add_argument("--limit", type=int, metavar="N", help="use only the first N pairs of --data or the folders")


def _noise(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--noise", default=None,
                       help="noise of both copies, as for n2n data build: e.g. gaussian:0-55, camera, gaussian:0-55,jpeg "
                            "(saved as JPEG), or several joined by + (default mixed)")
    group.add_argument("--photo-scales", type=int, nargs="+", default=None, metavar="SIDE",
                       help="short sides (px) each photo is held at (default 256 384 512 768)")


def _single(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--single-loss", choices=["l2", "l1"], default=None,
                       help="squared (l2, default from scratch) or absolute (l1, default from trained weights) errors; "
                            "l1 learns the median, which clipping to [0, 255] does not move, so it suits targets from "
                            "photo files")
    group.add_argument("--single-gamma", type=float, default=None, metavar="GAMMA",
                       help="weight of the Neighbor2Neighbor regulariser at the end of the run, ramped up from 0 "
                            "(default 0.5; the paper's 2 scored lower in our runs)")


def _schedule(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--epochs", type=int, default=10, metavar="N", help="total epochs (default 10)")
    group.add_argument("--steps-per-epoch", type=int, default=None, metavar="N",
                       help="with --photos or --single: optimiser steps per epoch (default 500)")
    group.add_argument("--batch-size", type=int, default=None, metavar="N", help="global batch size (engine default if omitted)")
    group.add_argument("--lr", type=float, default=None, metavar="RATE",
                       help=f"peak learning rate (default: the engine's from scratch, {FINE_TUNE_LR:g} from trained "
                            "weights)")
    group.add_argument("--init", type=Path, metavar="WEIGHTS",
                       help="start from these Miniproject_1 weights (fine-tuning; network read from them) with a fresh "
                            "optimiser and schedule; torch engine, not with --resume. --noisy-a and --single start "
                            "from the shipped weights without it")
    group.add_argument("--from-scratch", action="store_true",
                       help="with --noisy-a or --single: train a new network instead of fine-tuning the shipped weights")
    group.add_argument("--engine", default="torch", choices=sorted(ENGINES), help="training engine (default torch)")
    group.add_argument("--arch", default=None, metavar="NETWORK",
                       help="network: WIDTHxDEPTH for the torch engine (e.g. 32x2; default 32x3), course or "
                            "unet[:WIDTHxDEPTH] for the scratch engine")
    group.add_argument("--seed", type=int, default=None, metavar="N", help="seed of the network and the crops (default 0)")
    group.add_argument("--threads", type=int, metavar="N", help="CPU threads for torch (default: torch's choice)")
    group.add_argument("--no-augment", action="store_true", help="no flips, rotations or input/target swaps")


def _output(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to save the best weights (.pth)")
    group.add_argument("--resume", action="store_true", help="continue from OUT.last.pth")
    group.add_argument("--force", action="store_true", help="start over even if OUT exists")
    group.add_argument("--val-photos", action="store_true",
                       help="also score every epoch on the 6 whole validation photos (Gaussian sigma 25, short side "
                            "512) and keep the best epoch by that score; torch engine")
    group.add_argument("--keep-epochs", action="store_true",
                       help="also keep every epoch's weights as OUT.epochNNN.pth (to score epochs on other measures "
                            "later); torch engine")


def _research(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--target", choices=["noisy", "clean", "single"], default=None,
                       help="with --photos: train Noise2Noise (noisy, default), the Noise2Clean control (clean), or "
                            "Neighbor2Neighbor on the noisy inputs alone (single)")
    group.add_argument("--single-from-pairs", action="store_true",
                       help="with --data: train Neighbor2Neighbor on the first noisy copies only (the second copies unused)")
    group.add_argument("--single-targets", choices=["unclipped", "clipped"], default=None,
                       help="with --photos --target single: take the sub-image targets from the synthetic noisy copy "
                            "before clipping to [0, 255] (unclipped, default, like the Noise2Noise targets) or after "
                            "(clipped, what a real photo file holds)")
    group.add_argument("--loss", choices=["mse", "noise-normalised", "std-normalised"], default=None,
                       help="with --photos: plain MSE (default), or each crop's MSE divided by its noise variance "
                            "(noise-normalised) or standard deviation (std-normalised, gentler), both estimated from "
                            "the two noisy copies, so that low noise levels weigh more")
    group.add_argument("--gray-fraction", type=float, default=None, metavar="F",
                       help="with --photos: share of crops turned grey before the noise (default 0)")
    group.add_argument("--jpeg-targets", choices=["unsaved", "saved"], default=None,
                       help="with --photos and noise saved as JPEG: Noise2Noise targets before the save (unsaved, "
                            "default: zero-mean noise) or the saved files (saved: biased, as in runs before 2026-12-06); "
                            "camera noise always keeps the saved file")
    group.add_argument("--same-noise-fraction", type=float, default=None, metavar="F",
                       help="with --gray-fraction: share of the grey crops whose noise is the same in all channels, "
                            "as in a greyscale file (default 0)")
    group.add_argument("--tone-fraction", type=float, default=None, metavar="F",
                       help="with --photos: share of crops whose tones are remapped (random per-channel gamma and "
                            "gain, clipped) before the noise, for more shadows and highlights, where clipping biases "
                            "noisy photos (default 0)")
    group.add_argument("--tone-gain-max", type=float, default=None, metavar="G",
                       help="with --tone-fraction: the largest gain of the tone curves, between 0.5 and 4 (default 2; "
                            "1 never saturates highlights)")
    group.add_argument("--teacher", type=Path, default=None, metavar="WEIGHTS",
                       help="with --photos: targets are these Miniproject_1 weights' 8-symmetry self-ensemble on the "
                            "noisy input (self-distillation; the second noisy copy is not used)")
    group.add_argument("--teacher-symmetries", type=int, default=None, metavar="K",
                       help="with --teacher: symmetries drawn per crop for its target (1-8, default 2; 8 is the full "
                            "ensemble at 4 times a step's cost, fewer an unbiased estimate of it)")
    group.add_argument("--widen", default=None, metavar="W0,W1,...",
                       help="with --init: first widen those weights to these per-level widths (full resolution first, "
                            "one per level, none narrower than now) without changing what the network computes; the "
                            "added channels are learnt from there")
