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
    """Runs the test under each precision Miniproject_1 may pick (``N2N_PRECISION`` overrides the CPU's choice), so
    a CPU without native bfloat16 also checks what one with it runs. bfloat16 is emulated (slow) on such a CPU:
    keep these tests small. Subprocesses inherit the setting."""
    monkeypatch.setenv("N2N_PRECISION", request.param)
    return request.param
