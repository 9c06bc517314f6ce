"""``python -m experiments.finetune`` on tiny data: one record per rate, both projects."""

from __future__ import annotations

import json

import pytest
import torch

from experiments import finetune
from tests.mp1_helpers import write_course_files


@pytest.mark.parametrize("project", ["1", "2"])
def test_finetune_records_psnr_before_and_after_each_rate(tmp_path, project):
    train, val = write_course_files(tmp_path, pairs=16, val=4)
    out = tmp_path / "finetune.json"
    threads = torch.get_num_threads()
    try:
        assert finetune.main(["--project", project, "--data", str(train), "--val", str(val), "--lrs", "1e-3", "1e-4",
                              "--out", str(out)]) == 0
    finally:
        torch.set_grad_enabled(True)
        torch.set_num_threads(threads)
    result = json.loads(out.read_text())
    assert [run["lr"] for run in result["runs"]] == [1e-3, 1e-4]
    assert result["pairs"] == 16 and result["pretrained_lr"] > 0
    before = {run["psnr_before"] for run in result["runs"]}
    assert len(before) == 1  # every rate starts from the same shipped weights
    assert all(run["psnr_after"] != run["psnr_before"] for run in result["runs"])
