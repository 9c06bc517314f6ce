"""n2n.units: numbers as the commands print them."""

import pytest

from n2n.units import format_bytes, millions


@pytest.mark.parametrize(("count", "text"), [(0, "0"), (50_000, "0.050"), (52_000, "0.052"), (1_234_000, "1.2"),
                                             (17_300_000, "17.3"), (123_400_000, "123.4")])
def test_millions_keep_two_significant_digits(count: float, text: str) -> None:
    assert millions(count) == text


@pytest.mark.parametrize(("count", "text"), [(0, "0 bytes"), (999, "999 bytes"), (1000, "1.00 kB"), (12_345, "12.3 kB"),
                                             (999_499, "999 kB"), (999_500, "1.00 MB"), (400_000_000, "400 MB"),
                                             (2_100_000_000, "2.10 GB")])
def test_file_sizes_in_decimal_units_with_three_digits(count: int, text: str) -> None:
    assert format_bytes(count) == text
