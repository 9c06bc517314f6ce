"""Progress bars for anything that can take more than a few seconds (tqdm).

Bars go to stderr and show only on a terminal; ``n2n ... --quiet`` (or :func:`set_quiet`) hides
them everywhere. Library callers get the same behaviour by default.
"""

from __future__ import annotations

from typing import Any, Iterable

from tqdm import tqdm

_quiet = False


def set_quiet(quiet: bool) -> None:
    """Hide (True) or allow (False) every progress bar of this process."""
    global _quiet
    _quiet = bool(quiet)


def bar(iterable: Iterable | None = None, enabled: bool = True, **options: Any) -> tqdm:
    """``tqdm(iterable, **options)``, silent when quiet, when stderr is not a terminal, or when not ``enabled``
    (e.g. on the non-main processes of a distributed run)."""
    return tqdm(iterable, disable=True if (_quiet or not enabled) else None, **options)
