"""The documentation site builds with ``mkdocs build --strict``.

Strict mode turns every warning into a failure: a link to a page, an anchor or a results file that does
not exist, a page left out of the navigation, a ``::: module`` reference to a function or module that was
renamed or removed, a docstring whose parameters no longer match its signature. So the site breaks in CI,
not in a reader's browser.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDED = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def is_missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:  # its parent package is missing
        return True


MISSING = [module for module in NEEDED if is_missing(module)]


@pytest.mark.skipif(bool(MISSING), reason=f"needs the docs extra (pip install -e '.[docs]'): missing {', '.join(MISSING)}")
def test_the_documentation_site_builds_strictly(tmp_path: Path) -> None:
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                           cwd=ROOT, capture_output=True, text=True, env=environment, timeout=600)
    problems = [line for line in built.stderr.splitlines() if not line.startswith("INFO")]
    assert built.returncode == 0, "mkdocs build --strict failed:\n" + "\n".join(problems[-40:])
    site = tmp_path / "site"
    assert (site / "index.html").is_file() and (site / "before_after.png").is_file()
    # The results files are published beside the pages that cite them, and the API reference was generated.
    assert (site / "results" / "whole_photos" / "quality.json").is_file()
    assert "Conv2d" in (site / "api" / "framework" / "index.html").read_text(encoding="utf-8")
