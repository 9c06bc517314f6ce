"""Keep the generated tables of README.md and the documentation pages in step with the results files.

A generated block sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers in exactly one
of the :data:`DOCUMENTS` (``README.md`` or a page under ``docs/``); the scripts that write a results file
refresh their block with :func:`replace_block`, which finds the page that holds it, so a table can move
between pages without touching the scripts. Only the block is replaced, atomically.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def documents(root: Path = REPO_ROOT) -> list[Path]:
    """The pages that may hold generated blocks: the README and every Markdown page under ``docs/``."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def find_block(name: str, pages: Iterable[Path]) -> Path:
    """The one page of ``pages`` that holds block ``name``; ``ValueError`` if none or several do."""
    start, end = markers(name)
    holding = [page for page in pages if page.is_file() and start in (text := page.read_text(encoding="utf-8")) and end in text]
    if len(holding) != 1:
        where = ", ".join(str(page) for page in holding) or "none of README.md and docs/**/*.md"
        raise ValueError(f"the generated table {name!r} must sit in exactly one page between {start} and {end}; "
                         f"found in {where}: add the two marker lines where the table belongs, or remove the duplicate")
    return holding[0]


def replace_block(name: str, text: str, pages: Iterable[Path] | None = None) -> Path:
    """Replace the block ``name`` by ``text`` (markers kept) in the page that holds it; returns that page."""
    page = find_block(name, documents() if pages is None else pages)
    start, end = markers(name)
    content = page.read_text(encoding="utf-8")
    before, rest = content.split(start, 1)
    _, after = rest.split(end, 1)
    atomic_write_text(f"{before}{start}\n{text.strip()}\n{end}{after}", page, overwrite=True)
    return page
