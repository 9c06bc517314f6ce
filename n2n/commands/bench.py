"""``n2n bench framework``: the framework-vs-torch training-step benchmark (see ``n2n.bench``)."""

from __future__ import annotations

from n2n.bench import framework as bench


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="benchmark the from-scratch framework against torch.nn")
    bench.add_arguments(parser)
    parser.set_defaults(func=bench.run)
