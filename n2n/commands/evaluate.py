"""``n2n evaluate``: PSNR of the shipped denoisers (and optional checkpoints) on the validation sets."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from n2n.inference import denoisers
from n2n.evaluation.evaluate import VAL_SETS, available_val_sets, evaluate, format_table
from n2n.fileio import atomic_write_text, check_writable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="PSNR table of the shipped models on the validation sets",
                                   description=__doc__)
    parser.add_argument("--checkpoint", type=Path, action="append", default=[],
                        help="also evaluate these Miniproject_1 weights (repeatable)")
    parser.add_argument("--val", type=Path, action="append", default=[],
                        help="validation .pkl (noisy, clean) to use instead of the committed sets (repeatable)")
    parser.add_argument("--models", nargs="*", help=f"shipped denoisers to evaluate (default: all of {sorted(denoisers.DENOISERS)})")
    parser.add_argument("--limit", type=int, help="only the first LIMIT images of each set")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--force", action="store_true", help="overwrite an existing --json file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.json is not None:
        check_writable(args.json, args.force)  # fail before the work, not after
    if args.val:
        val_sets = {path.stem: path for path in args.val}
    else:
        val_sets = available_val_sets()
        if not val_sets:
            raise FileNotFoundError(f"no validation sets found (looked for {', '.join(VAL_SETS.values())}); pass --val FILE")
    chosen = {}
    for name in args.models if args.models is not None else sorted(denoisers.DENOISERS):
        try:
            chosen[name] = denoisers.get(name)
        except FileNotFoundError as error:
            if args.models is not None:
                raise
            print(f"skipping {name}: {error}", file=sys.stderr)
    for path in args.checkpoint:
        chosen[str(path)] = denoisers.miniproject1(path)
    rows = evaluate(chosen, val_sets, limit=args.limit)
    print(format_table(rows))
    if args.json is not None:
        atomic_write_text(json.dumps(rows, indent=2) + "\n", args.json, overwrite=args.force)
    return 0
