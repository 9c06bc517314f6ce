"""experiments.framework_before_after: an old copy of the framework runs beside the current one."""

from __future__ import annotations

import json

import pytest

from experiments import framework_before_after


def test_compares_a_revision_with_the_current_framework_and_torch(tmp_path):
    out = tmp_path / "before_after.json"
    assert framework_before_after.main(["--before", "HEAD", "--paths", "transpose", "--runs", "5", "--warmup", "0", "--threads", "1",
                                        "--repeats", "2", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    entry = result["paths"]["transpose"]
    assert len(entry["series"]) == 2
    for series in entry["series"]:
        assert set(series["median_ms"]) == {"before", "after", "torch"} and all(ms > 0 for ms in series["median_ms"].values())
    ratios = [series["after_over_torch"] for series in entry["series"]]
    summary = entry["after_over_torch"]
    assert (summary["min"], summary["max"]) == (min(ratios), max(ratios)) and abs(summary["median"] - sum(ratios) / 2) <= 6e-4
    # HEAD's copy computes what the working tree's framework computes (same code unless the tree has changes).
    assert entry["largest_output_difference"] < 1e-5
    assert result["threads"] == 1 and result["runs"] == 5 and result["repeats"] == 2


def test_unknown_revision_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read Miniproject_2/others at revision"):
        framework_before_after.main(["--before", "no-such-revision", "--paths", "transpose", "--runs", "5", "--out", str(tmp_path / "x.json")])
