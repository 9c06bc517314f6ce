"""Where n2n finds and puts its files.

In a clone of the repository (``pip install -e .``) everything is relative to the checkout: the
committed validation sets in ``data/``, ``results/``, ``cache/``, ``runs/``. After a regular
``pip install .`` the package sits in ``site-packages`` with no checkout around it: then the
demo data shipped inside the package (:data:`PACKAGE_DATA`) stands in for ``data/`` and
``examples/``, and caches and outputs go under the current folder.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DATA = Path(__file__).resolve().parent / "package_data"
EXAMPLES = PACKAGE_DATA / "examples"  # the demo photo (noisy and clean), in every install
PACKAGE_VAL_CROPS = 100  # crops of each validation set shipped in the package (data/ has 1000)


def in_checkout() -> bool:
    """True when n2n runs from a clone of the repository (editable install or ``PYTHONPATH``)."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "Miniproject_1").is_dir()


def work_root() -> Path:
    """The folder that default caches and outputs (``cache/``, ``runs/``) live under: the checkout,
    else the current folder."""
    return REPO_ROOT if in_checkout() else Path.cwd()


def repo_label(path: Path) -> str:
    """``path`` relative to the checkout when it lies inside it (so results name files the same way in
    any clone), else as given."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
