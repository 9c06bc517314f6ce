"""The ``n2n`` command line: one sub-command per module listed in ``COMMAND_MODULES``.

Each command module exposes ``register(subparsers)``, which adds its sub-parser and sets
``func`` (called with the parsed ``argparse.Namespace``, returns an exit code).
User errors (``ValueError``, ``FileNotFoundError``, ``FileExistsError``) and a missing optional
package (:class:`n2n.extras.MissingExtra`) are printed as one clear line on stderr with exit code 2,
never as a traceback. Every sub-command takes ``--quiet`` (no progress bars).

Command modules import only the core dependencies at module level, so ``n2n --help`` and every
command that needs no extra work on a base install.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from n2n import __version__, progress
from n2n.extras import MissingExtra

COMMAND_MODULES = [
    "n2n.commands.train",
    "n2n.commands.denoise",
    "n2n.commands.evaluate",
    "n2n.commands.demo",
    "n2n.commands.data",
    "n2n.commands.bench",
    "n2n.commands.report",
    "n2n.commands.serve",
]


class _QuietSubparsers(argparse._SubParsersAction):
    """Gives every sub-command (and its sub-commands) a ``--quiet`` flag."""

    def add_parser(self, name, **kwargs):
        parser = super().add_parser(name, **kwargs)
        parser.register("action", "parsers", _QuietSubparsers)
        parser.add_argument("--quiet", action="store_true", help="no progress bars")
        return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="n2n", description="Noise2Noise denoising: data, training, evaluation, benchmarks, reports.")
    parser.add_argument("--version", action="version", version=f"n2n {__version__}", help="print the version of n2n and exit")
    parser.register("action", "parsers", _QuietSubparsers)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    progress.set_quiet(getattr(args, "quiet", False))
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError, MissingExtra) as error:
        print(f"n2n {args.command}: error: {error}", file=sys.stderr)
        return 2
