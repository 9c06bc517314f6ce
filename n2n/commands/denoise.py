"""n2n denoise IN [IN ...] -o OUT: denoise photos of any size with a shipped model or a checkpoint.

Files: PNG, TIFF, JPEG and WebP, grey or colour, 8 or 16 bits (and floating-point TIFF, values in 0-1).
The output's format comes from its suffix; it keeps the input's bit depth and channels where the format
holds them (--bit-depth 8 or 16 changes the depth), its colour profile, EXIF and XMP. The photo is turned
upright as its EXIF orientation says, and the orientation written is 1. 16-bit colour PNG and reading
16-bit or floating-point colour TIFF need: pip install 'n2n[formats]'.

Inputs may be folders (--recursive to look in subfolders). OUT is a file for one input file; a folder when
it ends in /, already is a folder, or there are several inputs or a folder input (created if needed; each
output keeps its input's name and format).

--strength blends the denoised photo with the input, to keep some grain. --adapt first fine-tunes a copy of
the model on each photo itself (self-supervised), then denoises with the average of the model's and the
copy's outputs, or with the model alone where a self-check that needs no clean image scores the copy worse;
the model file is never changed. A photo whose noise shows no colour (black and white stored as RGB) is
written grey (--grey auto, the default); a grey file is denoised with its channels shifted a pixel apart,
which suits the networks, and written grey.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from n2n.api import DEFAULT_MODEL, Denoiser, check_options, load
from n2n.data.photo_files import PHOTO_FORMATS, Photo, file_format, fit_channels, output_dtype, read_photo, write_photo
from n2n.fileio import check_not_input
from n2n.inference import denoisers
from n2n.inference.adapt import DEFAULT_STEPS
from n2n.inference.grey import MODES as GREY_MODES
from n2n.inference.image_types import network_to_numpy, numpy_to_network
from n2n.progress import bar

SUFFIXES = ", ".join(sorted(PHOTO_FORMATS))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("denoise", help="denoise PNG, TIFF, JPEG or WebP photos of any size",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", type=Path, metavar="IN", help="noisy photos, or folders of them")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output file (one input), or folder (ends in /, exists, or several inputs)")
    parser.add_argument("--recursive", action="store_true", help="also denoise the photos in subfolders of input folders")
    parser.add_argument("--strength", type=float, default=1.0, metavar="S",
                        help="from 0 (the input unchanged) to 1 (fully denoised, the default): in between, the "
                             "denoised photo blended with the input, which keeps some grain")
    parser.add_argument("--bit-depth", type=int, choices=(8, 16), default=None,
                        help="bits per channel of PNG and TIFF output (default: as the input)")
    parser.add_argument("--jpeg-quality", type=int, default=95, metavar="Q",
                        help="quality of JPEG and WebP output, 1 to 100 (default 95; JPEG with full-resolution colour)")
    parser.add_argument("--model", choices=sorted(denoisers.DENOISERS), default=None,
                        help=f"shipped denoiser (default: {DEFAULT_MODEL}, which picks per photo the course network or, for noise "
                             "shared by neighbouring pixels as in JPEGs, the JPEG and camera network for its noise level; "
                             "with --checkpoint: read from the file)")
    parser.add_argument("--checkpoint", type=Path,
                        help="weights of either Miniproject to use instead of the shipped ones (the engine is read from the file)")
    parser.add_argument("--tile", type=int, default=512, help="tile size in pixels (default 512)")
    parser.add_argument("--overlap", type=int, default=64, help="tile overlap in pixels (default 64)")
    parser.add_argument("--compare", action="store_true", help="also write OUT_compare.png: input | denoised, 8-bit")
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


def photos_in(folder: Path, recursive: bool) -> list[Path]:
    """The photos in ``folder`` (and its subfolders if ``recursive``) with a known suffix, hidden files left out, sorted."""
    found = folder.rglob("*") if recursive else folder.iterdir()
    photos = sorted(path for path in found if path.is_file() and path.suffix.lower() in PHOTO_FORMATS
                    and not any(part.startswith(".") for part in path.relative_to(folder).parts))
    if not photos:
        where = "in it or its subfolders" if recursive else "in it (--recursive also looks in subfolders)"
        raise ValueError(f"{folder}: no photos {where}; looked for {SUFFIXES}")
    return photos


def input_photos(inputs: list[Path], recursive: bool = False) -> list[tuple[Path, Path]]:
    """``(photo, name)`` for every input photo: files as given, folders' photos with their path inside the folder."""
    found = []
    for path in inputs:
        if path.is_dir():
            found += [(photo, photo.relative_to(path)) for photo in photos_in(path, recursive)]
        elif path.is_file():
            found.append((path, Path(path.name)))
        else:
            raise FileNotFoundError(f"{path}: no such image file or folder")
    return found


def output_paths(inputs: list[Path], output: str | os.PathLike, recursive: bool = False) -> list[tuple[Path, Path]]:
    """``(input photo, output file)`` pairs, following the rules of the command's description."""
    text = os.fspath(output)
    target = Path(text)
    photos = input_photos(inputs, recursive)
    several = len(inputs) > 1 or any(path.is_dir() for path in inputs)
    as_folder = text.endswith(("/", os.sep)) or target.is_dir() or several
    if not as_folder:
        if target.suffix.lower() not in PHOTO_FORMATS:
            raise ValueError(f"output {text} has no image suffix: end it in {SUFFIXES} for a file, or with / for a folder")
        return [(photos[0][0], target)]
    if target.exists() and not target.is_dir():
        raise ValueError(f"with several inputs the output must be a folder, but {text} is a file")
    if several and not target.is_dir() and not text.endswith(("/", os.sep)) and target.suffix.lower() in PHOTO_FORMATS:
        raise ValueError(f"with several inputs (or a folder) the output must be a folder, not the file name {text}; "
                         f"to write into a folder of that name, end it with /")
    pairs = [(photo, target / name) for photo, name in photos]
    if len({out for _, out in pairs}) != len(pairs):
        raise ValueError("several inputs share a file name; denoise them into different folders")
    return pairs


def compare_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}_compare.png")


def side_by_side(before: torch.Tensor, after: torch.Tensor) -> torch.Tensor:
    """``(1, 3, H, W)`` before and after -> ``(1, 3, H, 2W + 8)`` with a white gap."""
    gap = torch.full((1, 3, before.shape[2], 8), 255, dtype=torch.uint8)
    return torch.cat([before, gap, after], dim=3)


def preview(images: torch.Tensor) -> torch.Tensor:
    """Float ``(1, C, H, W)`` in [0, 255] -> uint8 ``(1, 3, H, W)`` colour (grey copied to 3 channels, alpha dropped)."""
    colour = images[:, :1].expand(-1, 3, -1, -1) if images.shape[1] <= 2 else images[:, :3]
    return colour.round().clamp(0, 255).to(torch.uint8)


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


def check_arguments(args: argparse.Namespace) -> int | None:
    """Every option checked before any work, in the command's own words; returns the ``--adapt`` steps."""
    steps = adapt_steps(args)
    if not 1 <= args.jpeg_quality <= 100:
        raise ValueError(f"--jpeg-quality must be from 1 to 100, got {args.jpeg_quality}")
    check_options(args.strength, args.tile, args.overlap, args.grey)
    return steps


def load_denoiser(args: argparse.Namespace, steps: int | None) -> Denoiser:
    denoiser = load(args.checkpoint, model=args.model) if args.checkpoint is not None else load(model=args.model or DEFAULT_MODEL)
    if steps is not None:
        from n2n.inference.adapt import resolve_network

        resolve_network(denoiser.predict)  # a model that cannot be fine-tuned fails before any work
    return denoiser


@dataclass
class Denoised:
    """What :func:`write_denoised` did: the lines to print, the photo as the network saw it and the denoised
    output (float32 ``(1, C, H, W)`` in [0, 255], before rounding to the file's depth)."""

    lines: list[str]
    noisy: torch.Tensor
    images: torch.Tensor


def write_denoised(denoiser: Denoiser, photo: Photo, source: Path, target: Path, args: argparse.Namespace,
                   steps: int | None) -> Denoised:
    """Denoise ``photo`` (read from ``source``) into the file ``target``, as the options ``args`` say."""
    kind = file_format(target)
    dtype, depth_note = output_dtype(photo.pixels.dtype, kind, args.bit_depth)
    noisy = numpy_to_network(photo.pixels)
    outcome = denoiser.run(noisy, strength=args.strength, adapt=steps or False, ensemble=args.ensemble, tile=args.tile,
                           overlap=args.overlap, grey=args.grey, desc=source.name)
    lines = []
    if outcome.adapted[0] is not None:
        lines.append(f"{source}: {outcome.adapted[0].summary()}")
    if outcome.made_grey[0] and args.grey == "auto":
        lines.append(f"{source}: no colour beyond the noise, so written as a grey photo (--grey no keeps colour)")
    pixels, channel_note = fit_channels(network_to_numpy(outcome.images, dtype), kind)
    write_photo(pixels, target, photo.metadata, jpeg_quality=args.jpeg_quality, overwrite=args.force)
    if args.compare:
        both = side_by_side(preview(noisy), preview(outcome.images))[0].permute(1, 2, 0).numpy()
        write_photo(np.ascontiguousarray(both), compare_path(target), photo.metadata, overwrite=args.force)
    notes = [note for note in (depth_note, channel_note) if note]
    lines.append(f"{source} -> {target}" + (f" ({'; '.join(notes)})" if notes else ""))
    return Denoised(lines, noisy, outcome.images)


def denoise_file(denoiser: Denoiser, source: Path, target: Path, args: argparse.Namespace, steps: int | None) -> list[str]:
    """Denoise one photo file into ``target``; returns the lines to print."""
    return write_denoised(denoiser, read_photo(source), source, target, args, steps).lines


def check_output(path: Path, force: bool, protected: list) -> None:
    """``ValueError`` when ``path`` is an input, ``FileExistsError`` when it exists without ``--force``."""
    check_not_input(path, protected)
    if path.exists() and not force:
        raise FileExistsError(f"{path} already exists; add --force to replace it")


def run(args: argparse.Namespace) -> int:
    steps = check_arguments(args)
    pairs = output_paths(args.inputs, args.output, args.recursive)
    protected = [*(source for source, _ in pairs), args.checkpoint]
    for _, target in pairs:  # fail before any work rather than halfway through
        if args.bit_depth == 16:
            output_dtype(np.uint16, file_format(target), 16)
        for path in (target, compare_path(target)) if args.compare else (target,):
            check_output(path, args.force, protected)
    denoiser = load_denoiser(args, steps)
    for source, target in bar(pairs, desc="denoise", unit="image"):
        try:
            lines = denoise_file(denoiser, source, target, args, steps)
        except ValueError as error:
            message = str(error)
            raise ValueError(message if message.startswith(str(source)) else f"{source}: {message}") from error
        print("\n".join(lines))
    return 0
