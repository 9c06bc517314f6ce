"""n2n evaluate: the PSNR (in dB, higher is better) of the shipped denoisers, and of any checkpoints you add, on the
validation sets of 32x32 crops.

With --photos [DIR]: whole-photo PSNR instead, on the 6 validation photographs (or the PNG/JPEG images in DIR)
with Gaussian noise added, or the noises named by --noise (saved as JPEG, camera noise), beside the noisy input
and BM3D.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from n2n.evaluation.evaluate import VAL_SETS, available_val_sets, evaluate, format_table
from n2n.fileio import atomic_write_text, check_writable
from n2n.inference import denoisers
from n2n.inference.grey import MODES as GREY_MODES

VALIDATION_PHOTOS = Path("<validation photos>")  # --photos without DIR: the 6 validation photographs
ENSEMBLE_SUFFIX = "(x8 ensemble)"  # the name of a denoiser's --ensemble row: "NAME (x8 ensemble)"
ADAPT_SUFFIX = "(--adapt)"  # the name of a denoiser's --adapt row
CROP_TABLE_TITLE = "Mean PSNR in dB (higher is better) on each validation set of 32x32 crops"
PHOTO_OPTIONS = ("sigmas", "noise", "bm3d_estimated", "photo_size", "noise_seed", "no_baselines", "nl_means", "adapt",
                 "adapt_steps", "grey")  # only with --photos


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="PSNR table of the shipped models on the validation sets",
                                   description=__doc__)
    parser.add_argument("--checkpoint", type=Path, action="append", default=[],
                        help="also evaluate these weights of either Miniproject (repeatable)")
    parser.add_argument("--val", type=Path, action="append", default=[],
                        help="validation .pkl (noisy, clean) to use instead of the committed sets (repeatable)")
    parser.add_argument("--models", nargs="*", help=f"shipped denoisers to evaluate (default: {' and '.join(sorted(denoisers.DENOISERS))})")
    parser.add_argument("--limit", type=int, help="only the first LIMIT images of each set")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--force", action="store_true", help="overwrite an existing --json file")
    parser.add_argument("--ensemble", action="store_true",
                        help="also score each network averaged over the 8 flips and quarter turns (`n2n denoise --ensemble`)")
    photos = parser.add_argument_group("whole photos", "score whole photographs instead of the 32x32 validation crops")
    photos.add_argument("--photos", nargs="?", const=VALIDATION_PHOTOS, type=Path, metavar="DIR",
                        help="evaluate on whole photos: the PNG/JPEG images in DIR, or without DIR the 6 validation "
                             "photographs of the default pool (fetched into cache/photos on first use)")
    photos.add_argument("--sigmas", nargs="+", type=float, metavar="SIGMA",
                        help="Gaussian noise levels on the 0-255 scale (default: 15 25 50)")
    photos.add_argument("--noise", nargs="+", metavar="SPEC",
                        help="noise of fixed level as columns instead of (or, with --sigmas, beside) Gaussian sigmas, "
                             "e.g. gaussian:25,jpeg:90:420 (saved as JPEG quality 90, 4:2:0 chroma) or "
                             "camera:800,jpeg:90:420 (camera noise at ISO 800, then JPEG); brings BM3D with sigma "
                             "estimated beside BM3D given the noise's true strength")
    photos.add_argument("--bm3d-estimated", action="store_true",
                        help="also run BM3D with sigma estimated from each noisy photo, as a user who does not know it must")
    photos.add_argument("--photo-size", type=int, metavar="PX",
                        help="downscale each photo so its short side is PX (default 512; 0: native size)")
    photos.add_argument("--noise-seed", type=int, metavar="SEED", help="seed of the noise (default 0)")
    photos.add_argument("--no-baselines", action="store_true", help="leave out BM3D (and NL-means)")
    photos.add_argument("--nl-means", action="store_true", help="also run NL-means given the true sigma")
    photos.add_argument("--adapt", action="store_true",
                        help="also score each Miniproject_1 network after adapting a copy to each noisy photo "
                             "(`n2n denoise --adapt`; about a minute per photo and sigma on a 2-core CPU)")
    photos.add_argument("--adapt-steps", type=int, metavar="N", help="optimiser steps of --adapt (default: as n2n denoise)")
    photos.add_argument("--grey", choices=GREY_MODES, default=None,
                        help="n2n denoise --grey mode of the networks' outputs (default auto: a photo whose noise shows "
                             "no colour gets grey output; no: the network's output as it is)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.json is not None:
        check_writable(args.json, args.force, inputs=[*args.val, *args.checkpoint])  # fail before the work, not after
    if args.photos is not None:
        return run_photos(args)
    given = [name for name in PHOTO_OPTIONS if getattr(args, name) not in (None, False)]
    if given:
        raise ValueError(f"--{given[0].replace('_', '-')} applies to whole photos only; add --photos [DIR]")
    if args.val:
        val_sets = {path.stem: path for path in args.val}
    else:
        val_sets = available_val_sets()
        if not val_sets:
            raise FileNotFoundError(f"no validation sets found (looked for {', '.join(VAL_SETS.values())}); pass --val FILE")
    rows = evaluate(chosen_denoisers(args), val_sets, limit=args.limit)
    print(f"{CROP_TABLE_TITLE}:\n")
    print(format_table(rows))
    if args.json is not None:
        atomic_write_text(json.dumps(rows, indent=2) + "\n", args.json, overwrite=args.force)
    return 0


def chosen_denoisers(args: argparse.Namespace) -> dict:
    """The denoisers named by ``--models`` (default: every shipped one that loads) and ``--checkpoint``."""
    chosen = {}
    for name in args.models if args.models is not None else sorted(denoisers.DENOISERS):
        try:
            chosen[name] = denoisers.get(name)
        except FileNotFoundError as error:
            if args.models is not None:
                raise
            print(f"skipping {name}: {error}", file=sys.stderr)
    for path in args.checkpoint:
        chosen[str(path)] = denoisers.from_checkpoint(path)
    if getattr(args, "ensemble", False):
        from n2n.inference.ensemble import self_ensemble

        chosen.update({f"{name} {ENSEMBLE_SUFFIX}": self_ensemble(predict) for name, predict in list(chosen.items())})
    return chosen


def adapting_denoisers(chosen: dict, steps: int) -> dict:
    """``NAME (--adapt)`` for every chosen network that ``--adapt`` can fine-tune (Miniproject_1 U-Nets) in ``steps``
    steps; others are skipped with a line on stderr, and ``ValueError`` when none is left."""
    from n2n.inference.adapt import AdaptingDenoiser

    adapting, skipped = {}, []
    for name, predict in chosen.items():
        if name.endswith(ENSEMBLE_SUFFIX):
            continue
        try:
            adapting[f"{name} {ADAPT_SUFFIX}"] = AdaptingDenoiser(predict, steps)
        except ValueError:
            skipped.append(name)
    if not adapting:
        raise ValueError("--adapt fine-tunes Miniproject_1 networks, and none is chosen: add --models miniproject1 "
                         "or a Miniproject_1 --checkpoint")
    for name in skipped:
        print(f"skipping {name} for --adapt: it fine-tunes Miniproject_1 networks only", file=sys.stderr)
    return adapting


def run_photos(args: argparse.Namespace) -> int:
    """``--photos``: whole-photo PSNR table (mean over photos per sigma); ``--json`` gets every row."""
    from n2n.commands.denoise import adapt_steps
    from n2n.evaluation import whole_photos

    if args.val or args.limit is not None:
        raise ValueError("--val and --limit apply to the crop sets, not to --photos; drop them")
    noises = whole_photos.check_noises(args.noise or ())
    default_sigmas = () if noises else whole_photos.DEFAULT_SIGMAS
    sigmas = whole_photos.check_sigmas(args.sigmas) if args.sigmas is not None else default_sigmas
    size = whole_photos.check_size(args.photo_size if args.photo_size is not None else whole_photos.DEFAULT_SIZE)
    if args.photos == VALIDATION_PHOTOS:
        photos = whole_photos.validation_photos()
    else:
        photos = whole_photos.folder_images(args.photos)
    blind = [whole_photos.BM3D_ESTIMATED] if (noises or args.bm3d_estimated) else []
    baselines = [] if args.no_baselines else [whole_photos.BM3D, *blind] + ([whole_photos.NL_MEANS] if args.nl_means else [])
    steps = adapt_steps(args)  # None without --adapt; the checks of `n2n denoise`
    chosen = chosen_denoisers(args)
    if steps is not None:
        chosen.update(adapting_denoisers(chosen, steps))
    result = whole_photos.evaluate_photos(photos, chosen, sigmas=sigmas, size=size,
                                          seed=args.noise_seed or 0, baselines=baselines, missing="skip",
                                          grey=args.grey or "auto", noises=noises)
    print(whole_photos.format_table(result))
    if args.json is not None:
        atomic_write_text(json.dumps(result, indent=2) + "\n", args.json, overwrite=args.force)
    return 0
