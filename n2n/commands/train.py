"""``n2n train``: train a Noise2Noise denoiser on noisy pairs, resumable, keeping the best checkpoint.

Writes ``--out`` (the best weights by validation PSNR, a plain state_dict), ``OUT.last.pth``
(everything needed by ``--resume``) and ``OUT.csv`` (per-epoch loss and validation PSNR).
"""

from __future__ import annotations

import argparse

from n2n.training.options import add_arguments
from n2n.training.run import run_training


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a denoiser on noisy images")
    add_arguments(parser)
    parser.set_defaults(func=run_training)
