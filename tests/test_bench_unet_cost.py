"""``python -m n2n.bench.unet_cost``: shape parsing and the rows it writes (timings are not checked)."""

import json

import pytest

from n2n.bench import unet_cost


def test_parse_shape_reads_six_widths():
    assert unet_cost.parse_shape("48,40,40,40,40,40") == (48, 40, 40, 40, 40, 40)


@pytest.mark.parametrize("text", ["48,40", "48,40,40,40,40,x", "0,40,40,40,40,40", ""])
def test_parse_shape_rejects_bad_shapes_naming_the_fix(text):
    with pytest.raises(ValueError, match="comma-separated widths|positive widths"):
        unet_cost.parse_shape(text)


def test_main_writes_one_row_per_shape_with_ratios_to_the_first(tmp_path):
    out = tmp_path / "cost.json"
    assert unet_cost.main(["--shapes", "8,8,8,8,8,8", "16,8,8,8,8,8", "--runs", "1", "--threads", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    first, second = result["rows"]
    assert first["widths"] == [8] * 6 and second["widths"] == [16] + [8] * 5
    assert first["macs_per_pixel_ratio"] == 1.0 and second["macs_per_pixel_ratio"] > 1.5
    assert second["parameters"] > first["parameters"]
    assert all(row["train_step_seconds"] > 0 and row["predict_512_seconds"] > 0 for row in result["rows"])


def test_main_refuses_a_bad_shape(capsys):
    with pytest.raises(SystemExit):
        unet_cost.main(["--shapes", "40,40"])
    assert "give 6 positive widths" in capsys.readouterr().err
