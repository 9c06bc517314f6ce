"""n2n demo: the main job on data shipped with n2n.

Evaluates the shipped denoisers on the validation sets (as n2n evaluate does; after a regular pip install, on
the first crops of each set, which ship inside the package) and denoises the example photo into a new folder
runs/demo-<time>/ under the current folder, with a before/after comparison, printing the PSNR in dB (higher
is better) against its clean original. Works from any folder.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from n2n.commands.denoise import compare_path, side_by_side
from n2n.data.images import read_image, write_image
from n2n.evaluation.evaluate import VAL_SETS, available_val_sets, evaluate, format_table
from n2n.inference import denoisers
from n2n.inference.photo import denoise_photo
from n2n.metrics import psnr
from n2n.paths import EXAMPLES, PACKAGE_VAL_CROPS, in_checkout

EXAMPLE_NOISY = EXAMPLES / "example_noisy.png"
EXAMPLE_CLEAN = EXAMPLES / "example_clean.png"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="evaluate the shipped models and denoise the example photo", description=__doc__)
    parser.add_argument("--out", type=Path, help="output folder (default: a new runs/demo-<time>/)")
    parser.add_argument("--limit", type=int, help="evaluate only the first LIMIT images of each set")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    val_sets = available_val_sets()
    if not val_sets:
        raise FileNotFoundError(f"no validation sets found ({', '.join(VAL_SETS.values())}); reinstall n2n or run from a clone")
    chosen = {name: denoisers.get(name) for name in sorted(denoisers.DENOISERS)}
    where = "the committed validation sets" if in_checkout() else f"the first {PACKAGE_VAL_CROPS} crops of each validation set (shipped with the package)"
    print(f"Mean PSNR in dB (higher is better) on {where} ({', '.join(path.name for path in val_sets.values())}):")
    print(format_table(evaluate(chosen, val_sets, limit=args.limit)))
    out = args.out or Path("runs") / time.strftime("demo-%Y%m%d-%H%M%S")
    noisy = read_image(EXAMPLE_NOISY)
    for name, predict in chosen.items():
        result = denoise_photo(predict, noisy, desc=name)[0].round_().clamp_(0, 255).byte()
        target = out / f"example_{name}.png"
        write_image(result, target)
        write_image(side_by_side(noisy, result), compare_path(target))
        line = f"{EXAMPLE_NOISY} -> {target} (+ {compare_path(target).name})"
        if EXAMPLE_CLEAN.is_file():
            clean = read_image(EXAMPLE_CLEAN)
            line += f": PSNR {psnr(noisy, clean):.2f} dB noisy -> {psnr(result, clean):.2f} dB denoised"
        print(line)
    return 0
