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
