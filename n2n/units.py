"""Numbers as the commands print them."""

from __future__ import annotations

import math


def millions(count: float) -> str:
    """``count / 1e6`` with at least two significant digits (``17.3``, ``1.2``, ``0.052``), so that a small
    amount (a 0.05 megapixel photo, a 50 kB file) never prints as ``0.0``."""
    value = count / 1e6
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(1, 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


def format_bytes(count: int) -> str:
    """A file size in decimal units with three significant digits: ``512 bytes``, ``12.3 kB``, ``1.50 MB``, ``2.10 GB``."""
    if count < 1000:
        return f"{count} bytes"
    for unit in ("kB", "MB", "GB", "TB"):
        count /= 1000
        if count < 999.5 or unit == "TB":
            break
    return f"{f'{count:#.3g}'.rstrip('.')} {unit}"  # '#' keeps the zeros of 1.50; 400. loses its point
