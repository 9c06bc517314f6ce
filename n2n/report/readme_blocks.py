"""Keep generated tables in README.md in step with the results files that produce them.

A generated block sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers; only
that block is replaced, atomically."""

from __future__ import annotations

from pathlib import Path

from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT

README = REPO_ROOT / "README.md"


def replace_block(name: str, text: str, readme: Path = README) -> None:
    """Replace the block ``name`` of ``readme`` by ``text`` (markers kept)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    content = readme.read_text()
    if start not in content or end not in content:
        raise ValueError(f"{readme} has no {start} ... {end} block to update: add the two marker lines where the table belongs")
    before, rest = content.split(start, 1)
    _, after = rest.split(end, 1)
    atomic_write_text(f"{before}{start}\n{text.strip()}\n{end}{after}", readme, overwrite=True)
