"""``n2n denoise IN [IN ...] -o OUT``: denoise PNG/JPEG photos of any size with a shipped model.

With ``--adapt``, a copy of the model is first fine-tuned on each photo itself (Noise2Self with an L1
loss, ``--adapt-steps`` optimiser steps, :mod:`n2n.inference.adapt`); the photo is then denoised with the
average of the model's and the copy's outputs, or by the model alone where a clean-image-free self-check
scores the copy worse (:mod:`n2n.inference.self_check`). The model file is never changed.

A photo whose noise shows no colour (black and white stored as RGB) is written grey (``--grey auto``,
the default; :mod:`n2n.inference.grey`): each output pixel becomes its channel mean, which removes the
colour noise a network leaves. A greyscale file (the same noise in all channels) is denoised with its
channels shifted a pixel apart (:func:`n2n.inference.photo.denoise_greyscale`). ``--grey no`` keeps the
network's colours and output as they are, ``--grey yes`` always writes grey.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from n2n.data.images import read_image, write_image
from n2n.fileio import check_writable
from n2n.inference import denoisers
from n2n.inference.adapt import DEFAULT_STEPS
from n2n.inference.ensemble import self_ensemble
from n2n.inference.grey import MODES as GREY_MODES
from n2n.inference.photo import denoise_photo
from n2n.progress import bar

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("denoise", help="denoise PNG/JPEG images of any size", description=__doc__)
    parser.add_argument("inputs", nargs="+", type=Path, metavar="IN", help="noisy PNG/JPEG images")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                        help="output image (one input) or folder (several inputs, or an existing folder)")
    parser.add_argument("--model", choices=sorted(denoisers.DENOISERS), default=None,
                        help="shipped denoiser (default: miniproject1; with --checkpoint: read from the file)")
    parser.add_argument("--checkpoint", type=Path,
                        help="weights of either Miniproject to use instead of the shipped ones (the engine is read from the file)")
    parser.add_argument("--tile", type=int, default=512, help="tile size in pixels (default 512)")
    parser.add_argument("--overlap", type=int, default=64, help="tile overlap in pixels (default 64)")
    parser.add_argument("--compare", action="store_true", help="also write OUT_compare.png: input | denoised")
    parser.add_argument("--force", action="store_true", help="replace earlier outputs (never an input file)")
    parser.add_argument("--adapt", action="store_true",
                        help="first fine-tune a copy of the model on each photo itself (self-supervised, Noise2Self), then "
                             "denoise with the average of the model's and the copy's outputs (the model alone if a self-check, "
                             "which needs no clean image, scores the copy worse); the model file is never changed")
    parser.add_argument("--adapt-steps", type=int, default=None, metavar="N",
                        help=f"optimiser steps of --adapt (default {DEFAULT_STEPS}: under a minute on a 2-core CPU)")
    parser.add_argument("--ensemble", action="store_true",
                        help="average the model over the 8 flips and quarter turns of each tile: a little better "
                             "(see the README), 8 times slower")
    parser.add_argument("--grey", choices=GREY_MODES, default="auto",
                        help="auto (default): a photo whose noise shows no colour (black and white stored as RGB) is "
                             "written grey, which removes the colour noise the network leaves; yes: always grey; no: never")
    parser.set_defaults(func=run)


def output_paths(inputs: list[Path], output: Path) -> list[Path]:
    """One output file per input: ``output`` itself for a single input, else ``output/<name>.png``."""
    if len(inputs) == 1 and not output.is_dir():
        if output.suffix.lower() not in IMAGE_SUFFIXES:
            raise ValueError(f"output {output} must end in .png, .jpg or .jpeg (or be an existing folder)")
        return [output]
    if output.exists() and not output.is_dir():
        raise ValueError(f"with several inputs, -o must be a folder, got the file {output}")
    paths = [output / f"{path.stem}.png" for path in inputs]
    if len(set(paths)) != len(paths):
        raise ValueError("several inputs share a file name; denoise them into different folders")
    return paths


def compare_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}_compare.png")


def side_by_side(before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
    """``(1, 3, H, W)`` before and after -> ``(1, 3, H, 2W + 8)`` with a white gap."""
    gap = torch.full((1, 3, before.shape[2], 8), 255, dtype=torch.uint8)
    return torch.cat([before, gap, after], dim=3)


def adapt_steps(args: argparse.Namespace) -> int | None:
    """The number of ``--adapt`` steps (``None`` without ``--adapt``); clear errors for bad values."""
    steps = getattr(args, "adapt_steps", None)
    if not getattr(args, "adapt", False):
        if steps is not None:
            raise ValueError("--adapt-steps sets the steps of --adapt; add --adapt (or leave --adapt-steps out)")
        return None
    if steps is None:
        return DEFAULT_STEPS
    if steps < 1:
        raise ValueError(f"--adapt-steps must be at least 1, got {steps}; leave it out for the default ({DEFAULT_STEPS})")
    return steps


def run(args: argparse.Namespace) -> int:
    steps = adapt_steps(args)
    outputs = output_paths(args.inputs, args.output)
    for path in args.inputs:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such image file")
    protected = [*args.inputs, args.checkpoint]
    for path in outputs:  # fail before any work rather than halfway through
        check_writable(path, args.force, inputs=protected)
        if args.compare:
            check_writable(compare_path(path), args.force, inputs=protected)
    if args.checkpoint is not None:
        predict = denoisers.from_checkpoint(args.checkpoint, args.model)
    else:
        predict = denoisers.get(args.model or "miniproject1")
    if steps is not None:
        from n2n.inference.adapt import adapt, resolve_network

        resolve_network(predict)  # a model that cannot be fine-tuned fails before any work
    for source, target in bar(list(zip(args.inputs, outputs)), desc="denoise", unit="image"):
        noisy = read_image(source)
        used = predict
        if steps is not None:
            used = adapt(predict, noisy, steps, desc=f"adapt {source.name}")
            print(f"{source}: {used.summary()}")
        if getattr(args, "ensemble", False):
            used = self_ensemble(used)
        denoised, made_grey = denoise_photo(used, noisy, tile=args.tile, overlap=args.overlap, desc=source.name,
                                            grey=getattr(args, "grey", "auto"))
        if made_grey and getattr(args, "grey", "auto") == "auto":
            print(f"{source}: no colour beyond the noise, so written as a grey photo (--grey no keeps colour)")
        result = denoised.round_().clamp_(0, 255).to(torch.uint8)
        del denoised
        write_image(result, target, overwrite=args.force)
        if args.compare:
            write_image(side_by_side(noisy, result), compare_path(target), overwrite=args.force)
        print(f"{source} -> {target}")
    return 0
