"""experiments/ holds the scripts behind results/ (outside the wheel), each listed in its README; results/ holds data only."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted(path.stem for path in (ROOT / "experiments").glob("*.py") if path.stem != "__init__")
DATA_SUFFIXES = {".json", ".csv", ".txt", ".md", ".png", ".pdf"}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_each_experiment_imports_and_is_listed_in_the_index(name: str) -> None:
    module = importlib.import_module(f"experiments.{name}")
    assert (module.__doc__ or "").strip(), f"experiments/{name}.py has no docstring"
    assert f"| `{name}` |" in (ROOT / "experiments" / "README.md").read_text(), f"experiments/README.md does not list {name}"


def test_results_holds_data_only() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout")
    listed = subprocess.run(["git", "ls-files", "results"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    scripts = [name for name in listed if Path(name).suffix not in DATA_SUFFIXES]
    assert not scripts, f"results/ should hold data only; move these to experiments/ or delete them: {scripts}"
