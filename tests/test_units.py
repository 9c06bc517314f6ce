"""n2n.units: numbers as the commands print them."""

import pytest

from n2n.units import millions


@pytest.mark.parametrize(("count", "text"), [(0, "0"), (50_000, "0.050"), (52_000, "0.052"), (1_234_000, "1.2"),
                                             (17_300_000, "17.3"), (123_400_000, "123.4")])
def test_millions_keep_two_significant_digits(count: float, text: str) -> None:
    assert millions(count) == text
