"""``n2n.bench.photo_speed`` times tile sizes against the shipped one and reports how far outputs differ
(tiny image, one run; not a timing)."""

import json

import pytest

from n2n.bench.photo_speed import main


def test_photo_speed_writes_each_variant_against_the_shipped_tile(tmp_path) -> None:
    out = tmp_path / "speed.json"
    assert main(["--height", "128", "--width", "160", "--tiles", "512", "96", "--runs", "1", "--threads", "1",
                 "--out", str(out)]) == 0
    rows = {row["tile"]: row for row in json.loads(out.read_text())["rows"]}
    assert set(rows) == {512, 96}
    assert rows[512]["speedup"] == 1.0 and rows[512]["max_abs_difference_from_shipped"] == 0.0
    # Tiles of 96 px with 64 px overlap see less context than one pass over the image: outputs differ a little.
    assert 0.0 < rows[96]["max_abs_difference_from_shipped"] < 40.0


def test_photo_speed_needs_the_shipped_tile_as_reference(tmp_path) -> None:
    with pytest.raises(ValueError, match="shipped tile size 512"):
        main(["--tiles", "1024", "--out", str(tmp_path / "speed.json")])
