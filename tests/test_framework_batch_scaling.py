"""experiments.framework_batch_scaling: step times at several batch sizes and the fixed + per-image line."""

from __future__ import annotations

import json

import pytest

from experiments import framework_batch_scaling


def test_fit_line_recovers_a_fixed_and_a_per_image_cost():
    assert framework_batch_scaling.fit_line([8, 16, 32], [14.0, 18.0, 26.0]) == {"fixed_ms": 10.0, "per_image_ms": 0.5}
    with pytest.raises(ValueError, match="at least two different batch sizes"):
        framework_batch_scaling.fit_line([8, 8], [1.0, 2.0])


def test_times_both_engines_per_batch_and_fits_their_lines(tmp_path):
    out = tmp_path / "scaling.json"
    assert framework_batch_scaling.main(["--path", "transpose", "--batches", "2", "1", "--runs", "5", "--warmup", "0",
                                         "--repeats", "2", "--threads", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [entry["batch"] for entry in result["batches"]] == [1, 2]
    for entry in result["batches"]:
        assert len(entry["series"]) == 2 and entry["series_ratios"] == [s["ratio"] for s in entry["series"]]
        assert entry["ratio"] == round(entry["median_ms"]["framework"] / entry["median_ms"]["torch"], 3)
    for engine in ("framework", "torch"):
        times = [entry["median_ms"][engine] for entry in result["batches"]]
        line = result["lines"][engine]  # two points: the line passes through both
        assert line["fixed_ms"] + line["per_image_ms"] == pytest.approx(times[0], abs=2e-3)
        assert line["fixed_ms"] + 2 * line["per_image_ms"] == pytest.approx(times[1], abs=2e-3)
    assert result["threads"] == 1 and result["path"] == "transpose"


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="at least two"):
        framework_batch_scaling.main(["--batches", "4", "--out", str(tmp_path / "x.json")])


def test_timing_session_sets_and_restores_the_thread_count():
    import torch

    from n2n.bench.timing import timing_session
    before = torch.get_num_threads()
    with timing_session(1) as session:
        assert torch.get_num_threads() == 1 and session["threads"] == 1
    assert torch.get_num_threads() == before
    assert set(session["load_average"]) == {"before", "after"} and len(session["load_average"]["after"]) == 3
