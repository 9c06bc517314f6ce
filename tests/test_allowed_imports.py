"""The course rules on imports, enforced by parsing every file of both Miniprojects."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names)
MINIPROJECT_2_ALLOWED = {"torch": {"empty", "cat", "arange"}, "torch.nn.functional": {"fold", "unfold"}}


def python_files(folder: str) -> list[Path]:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"no Python files under {folder}"
    return files


def imports_of(path: Path):
    """Yield ``(lineno, module, names)``; ``names`` is None for ``import module``."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module or "", [alias.name for alias in node.names]


def dynamic_import_calls(path: Path) -> list[int]:
    """Lines calling ``__import__`` or ``importlib.import_module``, which would bypass the static check."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in {"__import__", "import_module"}:
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", python_files("Miniproject_2"), ids=lambda p: str(p.relative_to(ROOT)))
def test_miniproject_2_imports_only_the_allowed_names(path: Path) -> None:
    violations = []
    for lineno, module, names in imports_of(path):
        top = module.split(".")[0]
        if names is None:
            if top not in STDLIB:
                violations.append(f"{lineno}: import {module}")
        elif module in MINIPROJECT_2_ALLOWED:
            extra = sorted(set(names) - MINIPROJECT_2_ALLOWED[module])
            if extra:
                violations.append(f"{lineno}: from {module} import {', '.join(extra)}")
        elif top not in STDLIB or top == "torch":
            violations.append(f"{lineno}: from {module} import ...")
    violations += [f"{lineno}: dynamic import" for lineno in dynamic_import_calls(path)]
    assert not violations, f"{path.relative_to(ROOT)} imports beyond the allowed set: {violations}"


@pytest.mark.parametrize("path", python_files("Miniproject_1"), ids=lambda p: str(p.relative_to(ROOT)))
def test_miniproject_1_imports_only_torch_and_the_standard_library(path: Path) -> None:
    violations = [
        f"{lineno}: {module}"
        for lineno, module, _ in imports_of(path)
        if module.split(".")[0] not in STDLIB | {"torch"}
    ]
    assert not violations, f"{path.relative_to(ROOT)} imports beyond PyTorch and the standard library: {violations}"


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\nfrom torch import zeros\nfrom torch.nn.functional import conv2d\n")
    found = list(imports_of(bad))
    assert [(m, n) for _, m, n in found] == [("torch", None), ("torch", ["zeros"]), ("torch.nn.functional", ["conv2d"])]


def test_the_product_never_imports_the_experiment_scripts() -> None:
    # experiments/ is left out of the wheel: an import of it from n2n or a Miniproject would fail after `pip install`.
    violations = [f"{path.relative_to(ROOT)}:{lineno}: {module}"
                  for folder in ("n2n", "Miniproject_1", "Miniproject_2") for path in python_files(folder)
                  for lineno, module, _ in imports_of(path) if module.split(".")[0] == "experiments"]
    assert not violations, f"the product imports experiments/: {violations}"
