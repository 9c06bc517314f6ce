"""``experiments.error_breakdown``: the colour parts add up, and errors land in the right texture stratum."""

import torch

from experiments.error_breakdown import breakdown
from n2n.inference.grey import opponent


def test_opponent_transform_keeps_squared_norms() -> None:
    x = torch.randn(2, 3, 5, 7, dtype=torch.float64)
    assert torch.allclose(opponent(x).pow(2).sum(1), x.pow(2).sum(1))
    grey = torch.ones(1, 3, 2, 2)
    assert torch.allclose(opponent(grey)[:, 1:], torch.zeros(1, 2, 2, 2), atol=1e-6)  # grey has no chroma


def test_colour_parts_sum_to_the_mse_and_texture_strata_separate() -> None:
    clean = torch.full((1, 3, 16, 16), 100.0)
    clean[..., 8:] = 200.0  # one vertical edge between columns 7 and 8; flat elsewhere
    output = clean.clone()
    output[:, 0, :, 8] += 6.0  # a red error on the edge only
    result = breakdown(output, clean)
    assert abs(result["colour"]["luma"] + result["colour"]["chroma"] - result["mse"]) < 1e-9
    assert result["colour"]["chroma"] > result["colour"]["luma"] > 0  # a red-only error is mostly chroma
    assert result["texture"]["flat"]["mse"] == 0.0 and result["texture"]["edges"]["mse"] > 0
    assert result["texture"]["smooth"]["mse"] is None  # no pixel has a gradient in [1, 3)
    assert abs(sum(s["share"] for s in result["texture"].values()) - 1.0) < 1e-12


def test_a_missing_checkpoint_is_named_before_any_work(tmp_path) -> None:
    import pytest

    from experiments.error_breakdown import main

    missing = tmp_path / "nope.pth"
    with pytest.raises(SystemExit, match="nope.pth"):
        main(["--checkpoint", str(missing), "--out", str(tmp_path / "out.json")])
    assert not (tmp_path / "out.json").exists()


def test_repo_label_is_relative_inside_the_checkout_and_unchanged_outside(tmp_path) -> None:
    from n2n.paths import REPO_ROOT, repo_label

    assert repo_label(REPO_ROOT / "Miniproject_1" / "bestmodel.pth") == "Miniproject_1/bestmodel.pth"
    assert repo_label(tmp_path / "x.pth") == str(tmp_path / "x.pth")
