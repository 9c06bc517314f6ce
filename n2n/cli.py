"""The ``n2n`` command line: one sub-command per module listed in ``COMMAND_MODULES``.

Each command module exposes ``register(subparsers)``, which adds its sub-parser and sets
``func`` (called with the parsed ``argparse.Namespace``, returns an exit code).
User errors (``ValueError``, ``FileNotFoundError``, ``FileExistsError``) are printed as one
clear line on stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "n2n.commands.train",
    "n2n.commands.denoise",
    "n2n.commands.evaluate",
    "n2n.commands.demo",
    "n2n.commands.data",
    "n2n.commands.bench",
    "n2n.commands.report",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="n2n", description="Noise2Noise denoising: data, training, evaluation, benchmarks, reports.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"n2n {args.command}: error: {error}", file=sys.stderr)
        return 2
