"""The README and the documentation pages cite measured numbers by linking them to their results file.

A link whose text is a number (``[34.33](results/whole_photos/quality.json)``, or the reference form
``[34.33][wp]`` with ``[wp]: results/...``) promises that the file holds that number: some value in it
(any JSON number, CSV cell or number in a text file) rounds to the number as written. These tests keep
that promise when a results file is measured again, and check that every relative link of the README
points to a file that exists (the docs pages' links are checked by ``mkdocs build --strict``).
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
NUMBER = re.compile(r"[+\-−]?\d+(?:\.\d+)?")
INLINE_LINK = re.compile(r"\[([^\]\[]+)\]\(([^)\s]+)\)")
REFERENCE_LINK = re.compile(r"\[([^\]\[]+)\]\[([^\]\[]+)\]")
DEFINITION = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*(\S+)", re.MULTILINE)
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def links(page: Path) -> list[tuple[str, str]]:
    """``(text, target)`` of every inline and reference link outside code."""
    text = CODE.sub("", page.read_text(encoding="utf-8"))
    definitions = {label.lower(): target for label, target in DEFINITION.findall(text)}
    found = INLINE_LINK.findall(text)
    found += [(label, definitions[ref.lower()]) for label, ref in REFERENCE_LINK.findall(text) if ref.lower() in definitions]
    return found


def resolve(page: Path, target: str) -> Path | None:
    """The file a relative link points to, or ``None`` for a URL or an anchor on the same page."""
    if "://" in target or target.startswith(("#", "mailto:")):
        return None
    return (page.parent / target.split("#", 1)[0]).resolve()


def numbers_in(values) -> list[float]:
    if isinstance(values, bool):
        return []
    if isinstance(values, (int, float)):
        return [float(values)]
    if isinstance(values, dict):
        values = list(values.values())
    if isinstance(values, list):
        return [number for value in values for number in numbers_in(value)]
    if isinstance(values, str):
        return [float(match) for match in NUMBER.findall(values)]
    return []


@cache
def file_numbers(path: Path) -> tuple[float, ...]:
    """Every number a results file holds."""
    if path.suffix == ".json":
        return tuple(numbers_in(json.loads(path.read_text(encoding="utf-8"))))
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as file:
            return tuple(numbers_in([cell for row in csv.reader(file) for cell in row]))
    return tuple(numbers_in(path.read_text(encoding="utf-8")))


def as_written(value: float, text: str) -> str:
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    written = f"{value:.{decimals}f}"
    return "0" + written[2:] if written.startswith("-0") and float(written) == 0 else written


def cited_numbers() -> list[tuple[str, str, Path]]:
    """``(page, number, results file)`` of every link whose text is a number and whose target is under results/."""
    cited = []
    for page in PAGES:
        for text, target in links(page):
            number = text.strip().strip("*").strip()
            path = resolve(page, target)
            if NUMBER.fullmatch(number) and path is not None and (ROOT / "results") in path.parents:
                cited.append((str(page.relative_to(ROOT)), number.replace("−", "-"), path))
    return cited


def test_the_readme_cites_its_numbers() -> None:
    assert len([c for c in cited_numbers() if c[0] == "README.md"]) >= 30


@pytest.mark.parametrize("page, number, path", cited_numbers(),
                         ids=lambda value: value.name if isinstance(value, Path) else str(value))
def test_a_cited_number_is_in_its_results_file(page: str, number: str, path: Path) -> None:
    assert path.is_file(), f"{page} cites {number} from {path.relative_to(ROOT)}, which does not exist"
    assert any(as_written(value, number) == number for value in file_numbers(path)), (
        f"{page} cites {number} from {path.relative_to(ROOT)}, but no value in that file rounds to it: "
        "measure again or correct the page")


def test_the_readme_links_point_to_files_that_exist() -> None:
    readme = ROOT / "README.md"
    missing = [target for _, target in links(readme) if (path := resolve(readme, target)) is not None and not path.exists()]
    assert not missing, f"README.md links to missing files: {missing}"
