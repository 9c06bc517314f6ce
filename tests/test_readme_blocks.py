"""Generated tables: each sits once in the README or a docs page, and ``replace_block`` finds and refreshes it there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from n2n.report import readme_blocks
from n2n.report.readme_blocks import documents, find_block, replace_block

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!-- (\S+):(start|end) -->")


def test_every_generated_block_of_the_repository_is_well_formed_and_unique() -> None:
    seen: dict[str, Path] = {}
    for page in documents(ROOT):
        found = MARKER.findall(page.read_text(encoding="utf-8"))
        names = [name for name, _ in found]
        assert found == [(name, kind) for name in names[::2] for kind in ("start", "end")], (
            f"{page.relative_to(ROOT)}: generated-block markers must come in start/end pairs, got {found}")
        for name in names[::2]:
            assert name not in seen, f"block {name!r} is in {seen[name].relative_to(ROOT)} and {page.relative_to(ROOT)}"
            seen[name] = page
    # The tables the experiment and benchmark scripts refresh (n2n/bench/framework.py and the experiments).
    assert {"whole_photos:quality", "whole_photos:reserved", "mp1:quality", "mp2:quality", "mp2:ablation", "mp2:parity",
            "mp2:parity64", "single_image:training", "single_image:adapt", "bench:framework"} <= set(seen)


def make_pages(tmp_path: Path) -> list[Path]:
    (tmp_path / "docs" / "methods").mkdir(parents=True)
    readme = tmp_path / "README.md"
    readme.write_text("# n2n\n\nno generated table here\n")
    page = tmp_path / "docs" / "methods" / "speed.md"
    page.write_text("# Speed\n\nbefore\n<!-- bench:framework:start -->\nold table\n<!-- bench:framework:end -->\nafter\n")
    return documents(tmp_path)


def test_replace_block_refreshes_the_page_that_holds_the_block(tmp_path: Path) -> None:
    pages = make_pages(tmp_path)
    written = replace_block("bench:framework", "| new | table |\n", pages)
    assert written == tmp_path / "docs" / "methods" / "speed.md"
    assert written.read_text() == ("# Speed\n\nbefore\n<!-- bench:framework:start -->\n| new | table |\n"
                                   "<!-- bench:framework:end -->\nafter\n")
    assert (tmp_path / "README.md").read_text() == "# n2n\n\nno generated table here\n"


def test_a_missing_or_duplicated_block_is_a_clear_error(tmp_path: Path) -> None:
    pages = make_pages(tmp_path)
    with pytest.raises(ValueError, match=r"'mp2:quality' must sit in exactly one page .* none of"):
        replace_block("mp2:quality", "x", pages)
    pages[0].write_text("<!-- bench:framework:start -->\ncopy\n<!-- bench:framework:end -->\n")
    with pytest.raises(ValueError, match="remove the duplicate"):
        find_block("bench:framework", pages)


def test_the_default_pages_are_the_repositorys() -> None:
    assert documents()[0] == readme_blocks.REPO_ROOT / "README.md"
    assert find_block("mp2:parity", documents()).name == "miniproject2.md"
