"""``n2n data build`` (the stand-in training/validation data), ``n2n data pack-photos`` and ``n2n data info FILE``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from n2n.data.build import BuildOptions, build_dataset
from n2n.paths import work_root
from n2n.units import millions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="build the stand-in data set, inspect course data files")
    commands = parser.add_subparsers(dest="data_command", required=True, metavar="DATA_COMMAND")

    build = commands.add_parser(
        "build",
        help="build train_data.pkl / val_*.pkl from real photographs",
        description="Build the stand-in for the course's train_data.pkl / val_data.pkl from real photographs "
        "(by default the natural photos of four Debian wallpaper packages, fetched into the cache).",
    )
    build.add_argument("--out", type=Path, default=work_root() / "cache" / "data", help="output folder (default: cache/data)")
    build.add_argument("--pairs", type=int, default=50_000, help="training pairs; 0 writes only the validation sets (default: 50000)")
    build.add_argument("--val", type=int, default=1000, help="validation crops (default: 1000)")
    build.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same bytes (default: 0)")
    build.add_argument("--noise", default="mixed", help="training noise: mixed, gaussian[:SIGMA], poisson[:PEAK], pixelate[:B], camera[:ISO], any of them "
                            "saved as JPEG with NOISE,jpeg[:QUALITY][:420|422|444], or several joined by + "
                            "(default: mixed)")
    build.add_argument("--photos", type=Path, default=None, help="folder of JPEG/PNG photos to use instead of the default ones")
    build.add_argument("--photo-cache", type=Path, default=None, help="where the default photos are fetched (default: $N2N_PHOTO_CACHE or cache/photos)")
    build.add_argument("--force", action="store_true", help="overwrite existing output files")
    build.add_argument("--keep-clean", action="store_true", help="also write train_clean.pkl, the clean crops of the training pairs")
    build.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    build.set_defaults(func=run_build)

    pack = commands.add_parser(
        "pack-photos",
        help="write a small copy of the default photo pool (for a machine that cannot fetch it)",
        description="Write every default photo downscaled to a short side of at most --short-side px, under the "
        "photo cache's layout, so that N2N_PHOTO_CACHE=OUT gives the same photos, split and commands offline.",
    )
    pack.add_argument("--out", type=Path, required=True, help="folder to write the pack into")
    pack.add_argument("--short-side", type=int, default=768, help="largest short side kept, px (default: 768, the largest training scale)")
    pack.add_argument("--photo-cache", type=Path, default=None, help="the full photo cache to copy (default: $N2N_PHOTO_CACHE or cache/photos)")
    pack.add_argument("--force", action="store_true", help="overwrite files of an existing pack")
    pack.set_defaults(func=run_pack)

    info = commands.add_parser("info", help="print the shape, value range and PSNR of a course data file")
    info.add_argument("file", type=Path, help="a train_data.pkl- or val_data.pkl-style file")
    info.set_defaults(func=run_info)


def run_build(args: argparse.Namespace) -> int:
    options = BuildOptions(
        out=args.out,
        pairs=args.pairs,
        val=args.val,
        seed=args.seed,
        noise=args.noise,
        photos=args.photos,
        photo_cache=args.photo_cache,
        force=args.force,
        keep_clean=args.keep_clean,
        progress=not args.no_progress,
    )
    start = time.perf_counter()
    manifest = build_dataset(options)
    counts = manifest["counts"]
    print(
        f"wrote {', '.join(manifest['files'])} and manifest.json to {args.out} in {time.perf_counter() - start:.1f} s "
        f"({counts['crops']['train_pairs']} training pairs, {counts['crops']['val']} validation crops)"
    )
    return 0


def run_pack(args: argparse.Namespace) -> int:
    from n2n.data.photo_pack import pack_default_photos

    written = pack_default_photos(args.out, args.short_side, args.photo_cache, overwrite=args.force)
    size = sum(path.stat().st_size for path in written)
    print(f"wrote {len(written)} photos ({millions(size)} MB) to {args.out}; use it with N2N_PHOTO_CACHE={args.out}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from n2n.data.course import load_val
    from n2n.metrics import psnr

    first, second = load_val(args.file)  # same checks as load_train_pairs; only the names differ
    kinds = " / ".join(str(tensor.dtype).removeprefix("torch.") for tensor in (first, second))
    print(f"{args.file}: 2 tensors of shape {tuple(first.shape)} (images, channels, height, width), values {kinds}")
    for name, tensor in (("first", first), ("second", second)):
        values = tensor.float()
        print(f"  {name}: min {values.min():.1f}, max {values.max():.1f}, mean {values.mean():.2f}")
    scale = 255.0 if first.dtype == torch.uint8 or float(second.float().max()) > 1.5 else 1.0
    print(f"  PSNR(first, second) = {psnr(first.float(), second.float(), max_value=scale):.2f} dB, higher when the two "
          "are closer (val file: noisy input vs clean target; train file: between the two noisy copies)")
    return 0
