"""``n2n bench framework``: the four paths it times and the record it writes (what it computes, not how fast)."""

from __future__ import annotations

import json

import pytest
import torch

from Miniproject_2.model import Conv2d, NearestUpsampling, Upsampling
from n2n.bench import framework
from n2n.bench.framework_steps import PATHS, make_step, with_separate_upsampling
from Miniproject_2.others.network import course_network


def test_separate_upsampling_layers_share_the_weights_compute_the_same_and_run_fused(no_autograd):
    torch.manual_seed(0)
    fused = course_network(widths=(4, 8))
    separate = with_separate_upsampling(fused)
    assert [type(m) for m in separate.modules[4:6]] == [NearestUpsampling, Conv2d]
    assert separate.modules[5] is fused.modules[4].conv
    assert all(isinstance(step, Upsampling) for step in separate.steps()[4:7:2])  # what forward runs
    x = torch.rand(2, 3, 8, 8)
    torch.testing.assert_close(separate(x), fused(x))


@pytest.mark.parametrize("path", PATHS)
def test_each_path_steps_on_both_engines_from_the_same_weights(path):
    framework_step, torch_step = make_step(path, "framework", 2), make_step(path, "torch", 2)
    framework_step()
    torch_step()
    assert framework_step.name == f"{path}:framework" and torch_step.name == f"{path}:torch"


def test_the_record_has_every_path_the_earlier_keys_and_the_load(tmp_path, monkeypatch):
    monkeypatch.setattr(torch, "set_num_threads", lambda threads: None)  # keep the test suite's single thread
    result = framework.run_framework_benchmark(batch=2, unet_batch=2, runs=1, warmup=0, threads=1, memory=False)
    assert set(result["paths"]) == set(PATHS)
    ratios = {path: row["ratio_framework_over_torch"] for path, row in result["paths"].items()}
    assert all(ratio > 0 for ratio in ratios.values())
    assert result["worst"]["ratio_framework_over_torch"] == max(ratios.values())
    assert result["ratio_framework_over_torch"] == ratios["upsampling"] and result["batch"] == 2
    assert len(result["load_average"]["before"]) == 3 and result["machine"]["threads"] == 1
    table = framework.readme_table(result)
    assert table.count("\n| ") == 1 + len(PATHS) and "U-Net 32 × 3" in table
    json.dumps(result)  # plain data


def test_repeated_series_record_each_series_ratio(monkeypatch):
    monkeypatch.setattr(torch, "set_num_threads", lambda threads: None)
    result = framework.run_framework_benchmark(batch=2, unet_batch=2, runs=2, warmup=0, threads=1, paths=("transpose",), memory=False, repeats=3)
    row = result["paths"]["transpose"]
    assert len(row["series_ratios"]) == 3 and len(row["all_ms"]["framework"]) == 6  # the medians pool every run
    assert result["repeats"] == 3 and result["worst"]["largest_series_ratio"] == max(row["series_ratios"])
    table = framework.readme_table(result)
    assert "3 series of 2 runs" in table and "by series)" in table


def test_too_few_runs_is_refused():
    parser = __import__("argparse").ArgumentParser()
    framework.add_arguments(parser)
    with pytest.raises(ValueError, match="at least 15"):
        framework.run(parser.parse_args(["framework", "--runs", "3"]))
