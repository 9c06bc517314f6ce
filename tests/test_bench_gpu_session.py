"""``n2n.bench.gpu_session``: the parts that run without a GPU (the session itself needs one)."""

import pytest
import torch

from n2n.bench.gpu_session import epochs_that_fit, main


def test_epochs_fit_the_time_after_the_calibration() -> None:
    assert epochs_that_fit(6, 20) == 3  # (360 - 20) / 100 s per epoch
    assert epochs_that_fit(1, 50) == 1  # at least one epoch, even when it does not fit
    assert epochs_that_fit(10, 10) * 5 * 10 + 10 <= 600


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_it_refuses_clearly_without_a_gpu(tmp_path) -> None:
    with pytest.raises(SystemExit, match="no CUDA device"):
        main(["--out", str(tmp_path)])
