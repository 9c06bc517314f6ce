"""The epoch-selection study's arithmetic (``experiments/clean_free_selection.py``): rank correlation, the epoch
a score picks and the PSNR lost by it."""

from __future__ import annotations

import math

import pytest

from experiments.clean_free_selection import guard_choice, overall, spearman, summarise


def test_spearman() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(math.sqrt(3) / 2)  # ties share their average rank
    assert math.isnan(spearman([1, 1], [1, 2]))


def test_a_score_is_judged_by_the_psnr_of_the_epoch_it_picks() -> None:
    records = [{"epoch": 0, "clean_psnr": 30.0, "good": 5.0, "bad": 4.0},
               {"epoch": 1, "clean_psnr": 30.3, "good": 4.8, "bad": 4.5},
               {"epoch": 2, "clean_psnr": 30.2, "good": 4.9, "bad": 4.6}]
    summary = summarise(records, ["good", "bad"])
    assert summary["best_epoch_by_psnr"] == 1
    assert summary["good"] == {"spearman_with_psnr": 1.0, "chosen_epoch": 1, "psnr_lost_db": 0.0, "kept_epoch": 1,
                               "kept_psnr_lost_db": 0.0}
    assert summary["bad"]["chosen_epoch"] == 0 and summary["bad"]["psnr_lost_db"] == pytest.approx(0.3)
    assert summary["bad"]["spearman_with_psnr"] == pytest.approx(-0.5)
    both = overall({"a": {"summary": summary}, "b": {"summary": summary}})
    assert both["bad"] == {"runs": 2, "worst_psnr_lost_db": 0.3, "mean_psnr_lost_db": 0.3, "worst_kept_psnr_lost_db": 0.3,
                           "mean_kept_psnr_lost_db": 0.3, "mean_spearman": -0.5}


def test_the_guard_keeps_the_start_unless_an_epoch_beats_it_by_the_margin() -> None:
    assert guard_choice([10.0, 9.95, 9.97], [0, 1, 2], 0.01) == 0
    assert guard_choice([10.0, 9.95, 9.8, 9.85], [0, 1, 2, 3], 0.01) == 2
    assert guard_choice([10.0, 9.95], [1, 2], 0.01) == 1  # no start among the candidates: the lowest wins
