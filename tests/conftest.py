import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Test tensors are tiny: a second thread only adds synchronisation, and on a loaded machine every
# parallel region then waits for a descheduled thread (a U-Net step took 0.17 s on one thread and
# 11-26 s on two while training jobs shared the two cores). One thread for every test.
torch.set_num_threads(1)


@pytest.fixture
def no_autograd():
    """Run the test body with autograd globally off, as the course runs Miniproject_2."""
    previous = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    yield
    torch.set_grad_enabled(previous)


@pytest.fixture(params=["float32", "bfloat16"])
def precision(request, monkeypatch) -> str:
    """Runs the test under each precision Miniproject_1 may pick, so a CPU without native bfloat16 also checks what
    one with it runs, and one with it also checks float32. Both deciders are pinned: n2n's ``N2N_PRECISION`` (which
    subprocesses inherit) and the hardware's answer that a bare course ``Model`` follows. bfloat16 is emulated
    (slow) on a CPU without it: keep these tests small."""
    import Miniproject_1.others.precision as hardware

    monkeypatch.setenv("N2N_PRECISION", request.param)
    monkeypatch.setattr(hardware, "_NATIVE_CPU_BF16", request.param == "bfloat16")
    return request.param
