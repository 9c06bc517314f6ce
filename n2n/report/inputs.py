"""Reading the results files for the reports, tolerating absent ones.

A :class:`ResultsReader` reads CSV/JSON files under a results folder and remembers which of the
requested files were present and which were missing, so a report can say plainly that a result is
not available instead of failing (or inventing a number).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path


def number(text: str):
    """A CSV cell as int, float, bool or the string itself."""
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class ResultsReader:
    """Reads files relative to ``root``; ``present`` / ``missing`` list the relative paths asked for."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.present: list[str] = []
        self.missing: list[str] = []

    def _path(self, relative: str, optional: bool = False) -> Path | None:
        path = self.root / relative
        if path.is_file():
            if relative not in self.present:
                self.present.append(relative)
            return path
        if not optional and relative not in self.missing:
            self.missing.append(relative)
        return None

    def json(self, relative: str, optional: bool = False):
        """The parsed JSON file, or None when it does not exist (listed as missing unless ``optional``)."""
        path = self._path(relative, optional)
        return None if path is None else json.loads(path.read_text())

    def csv(self, relative: str, optional: bool = False) -> list[dict] | None:
        """The CSV rows with numeric cells converted, or None when the file does not exist (listed as missing
        unless ``optional``)."""
        path = self._path(relative, optional)
        if path is None:
            return None
        with path.open(newline="") as file:
            return [{key: number(value) for key, value in row.items()} for row in csv.DictReader(file)]

    def inputs(self) -> dict:
        """``{"present": [...], "missing": [...]}``, paths relative to the results folder."""
        return {"present": sorted(self.present), "missing": sorted(self.missing)}
