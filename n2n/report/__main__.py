"""``python -m n2n.report [options]``: the same as ``n2n report``."""

from n2n.cli import main

raise SystemExit(main(["report", *__import__("sys").argv[1:]]))
