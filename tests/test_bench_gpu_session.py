"""``n2n.bench.gpu_session``: the parts that run without a GPU (the session itself needs one)."""

import pytest
import torch

from n2n.bench.gpu_session import epochs_that_fit, main


def test_epochs_fit_the_time_after_the_calibration() -> None:
    # 30 s of calibration, 10 of them start-up: (360 - 30 - 10) / (5 * 10 s) = 6.4 epochs
    assert epochs_that_fit(6, 30, 10) == 6
    assert epochs_that_fit(1, 50, 20) == 1  # at least one epoch, even when it does not fit
    minutes, calibration, epoch = 10, 40, 12
    assert calibration + (calibration - 2 * epoch) + epochs_that_fit(minutes, calibration, epoch) * 5 * epoch <= minutes * 60


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_it_refuses_clearly_without_a_gpu(tmp_path) -> None:
    with pytest.raises(SystemExit, match="no CUDA device"):
        main(["--out", str(tmp_path)])
