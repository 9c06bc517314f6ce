"""Baseline scores recorded in results files are reused only when their whole cache key matches."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from n2n.evaluation import whole_photos as wp
from n2n.evaluation.recorded_scores import recorded_scores, scores_in
from tests.test_whole_photos import _photo_array, fake_baseline, photo_dir  # noqa: F401  (fixture)


def _record(photos, results: Path, name: str, nested: bool = False, **kwargs) -> dict:
    """Evaluate with a fresh fake BM3D and no cache, and save the result as a results file."""
    result = wp.evaluate_photos(photos, {}, baselines=[fake_baseline([])], cache_dir=None, recorded=None, progress=False, **kwargs)
    (results / name).parent.mkdir(parents=True, exist_ok=True)
    (results / name).write_text(json.dumps({"whole_photos": result} if nested else result))
    return result


def test_recorded_baseline_scores_are_reused_without_running_the_baseline(photo_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    photos = wp.folder_images(photo_dir)[:2]
    results = tmp_path / "results"
    first = _record(photos, results, "whole_photos/quality.json", sigmas=[15, 25], size=32)
    calls: list = []
    again = wp.evaluate_photos(photos, {}, sigmas=[15, 25], size=32, baselines=[fake_baseline(calls)], cache_dir=None,
                               recorded=results, progress=False)
    assert calls == []  # every score came from the file
    baseline_rows = [row for row in again["rows"] if row["kind"] == "baseline"]
    assert len(baseline_rows) == 4
    assert all(row["cached"] and row["recorded"] == "whole_photos/quality.json" for row in baseline_rows)
    recorded = [row for row in first["rows"] if row["kind"] == "baseline"]
    assert [row["psnr"] for row in baseline_rows] == [row["psnr"] for row in recorded]
    # without the folder the baseline runs
    wp.evaluate_photos(photos, {}, sigmas=[15], size=32, baselines=[fake_baseline(calls)], cache_dir=None, recorded=None,
                       progress=False)
    assert len(calls) == 2


def test_a_different_key_is_computed_afresh(photo_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    photos = wp.folder_images(photo_dir)[:1]
    results = tmp_path / "results"
    _record(photos, results, "experiment.json", nested=True, sigmas=[25], size=32)  # under a "whole_photos" key
    calls: list = []

    def run(**kwargs) -> None:
        options = {"sigmas": [25], "size": 32, "baselines": [fake_baseline(calls)], **kwargs}
        wp.evaluate_photos(photos, {}, cache_dir=None, recorded=results, progress=False, **options)

    run()
    assert calls == []
    run(sigmas=[50])
    run(size=40)
    run(seed=1)
    run(baselines=[fake_baseline(calls, version="fake 2")])
    assert len(calls) == 4
    Image.fromarray(_photo_array(72, 100, 9)).save(photos[0].path)  # same id, other bytes
    run()
    assert len(calls) == 5


def test_incomplete_or_foreign_files_give_nothing(tmp_path: Path) -> None:
    keys = {"BM3D (sigma given)": "bm3d_rgb"}
    assert scores_in([1, 2], keys) == {} and scores_in({"settings": {}}, keys) == {}
    assert scores_in({"settings": {"size": 512}, "photos": [], "rows": [{"kind": "baseline"}]}, keys) == {}
    (tmp_path / "broken.json").write_text("{not json")
    assert recorded_scores(tmp_path, keys) == {}
    assert recorded_scores(tmp_path / "missing", keys) == {} and recorded_scores(None, keys) == {}


def test_the_committed_results_hold_bm3d_scores_of_the_validation_photos() -> None:
    scores = recorded_scores(wp.RESULTS_DIR, {wp.BM3D.name: wp.BM3D.key})
    validation = set(wp.validation_photo_ids())
    photos = {json.loads(key)["photo"] for key in scores}
    keys = [json.loads(key) for key in scores]
    sigmas = {key["sigma"] for key in keys if key["photo"] in validation and "sigma" in key}
    assert validation <= photos and sigmas >= {15.0, 25.0, 50.0}
    noises = {key["noise"] for key in keys if "noise" in key}  # the JPEG and camera columns (n2n evaluate --noise)
    assert "gaussian:25,jpeg:90:420" in noises
