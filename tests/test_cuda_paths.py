"""The CUDA paths of both course Models and of ``n2n train``/``denoise``, against the CPU.

Skipped where no CUDA device is present (this project's CI and development machine); run them on a lent
GPU machine (``python -m pytest -q tests/test_cuda_paths.py``, part of ``python -m n2n.bench.gpu_session``).
On CUDA the Miniproject_1 forward pass runs under bfloat16 autocast, so its outputs are compared with the
CPU's by PSNR, not bit for bit.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch
from mp1_helpers import noisy, smooth_images, write_course_files

import Miniproject_1.model as mp1
import Miniproject_2.model as mp2
from n2n.cli import main
from n2n.data.images import write_image
from n2n.inference.photo import denoise_photo
from n2n.metrics import psnr

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (a lent GPU machine)")

VAL_DATA = Path(__file__).resolve().parents[1] / "data" / "val_data.pkl"


def val_crops(count: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``count`` committed validation crops: ``(noisy, clean)``, uint8 ``(count, 3, 32, 32)``."""
    noisy_crops, clean = torch.load(VAL_DATA, weights_only=True)
    return noisy_crops[:count], clean[:count]


def cpu_model(module, monkeypatch):
    """``module.Model()`` built as on a machine without CUDA."""
    with monkeypatch.context() as patch:
        if module is mp1:
            patch.setattr(torch.cuda, "is_available", lambda: False)
        else:
            patch.setattr(mp2, "default_device", lambda: "cpu")
        model = module.Model()
    assert str(model.device) == "cpu"
    return model


@pytest.mark.parametrize("module", [mp1, mp2], ids=["Miniproject_1", "Miniproject_2"])
def test_pretrained_predicts_on_cuda_as_on_the_cpu(module, monkeypatch, no_autograd) -> None:
    noisy_crops, clean = val_crops()
    gpu = module.Model()
    assert str(gpu.device).startswith("cuda")
    gpu.load_pretrained_model()
    cpu = cpu_model(module, monkeypatch)
    cpu.load_pretrained_model()
    on_cpu_input = gpu.predict(noisy_crops)
    on_cuda_input = gpu.predict(noisy_crops.cuda())
    assert on_cpu_input.device.type == "cpu" and on_cuda_input.device.type == "cuda"
    assert float((on_cpu_input - on_cuda_input.cpu()).abs().max()) < 0.5  # cuDNN may pick other kernels per call
    gap = psnr(on_cpu_input, clean) - psnr(cpu.predict(noisy_crops), clean)
    assert abs(gap) < 0.05, f"CUDA predictions {gap:+.3f} dB from the CPU's"


def test_mp1_trains_a_course_epoch_on_cuda() -> None:
    torch.manual_seed(0)
    clean = smooth_images(2048, seed=10)
    val_clean = smooth_images(64, seed=11)
    val_noisy = noisy(val_clean, seed=12)
    model = mp1.Model()
    before = psnr(model.predict(val_noisy), val_clean)
    model.train(noisy(clean, seed=13).cuda(), noisy(clean, seed=14).cuda(), 1)
    assert all(p.device.type == "cuda" and torch.isfinite(p).all() for p in model.network.parameters())
    assert psnr(model.predict(val_noisy), val_clean) > before + 0.5


def test_mp2_trains_a_course_epoch_on_cuda(no_autograd) -> None:
    torch.manual_seed(0)
    clean = smooth_images(640, seed=0)
    model = mp2.Model()
    before = psnr(model.predict(noisy(clean, seed=3)), clean)
    model.train(noisy(clean, seed=1).cuda(), noisy(clean, seed=2).cuda(), num_epochs=1)
    after = psnr(model.predict(noisy(clean, seed=3)), clean)
    assert math.isfinite(after) and after > before + 3, (before, after)


def test_photo_denoising_on_cuda_matches_the_cpu(monkeypatch) -> None:
    clean = smooth_images(1, size=640, seed=5)
    noisy_photo = noisy(clean, seed=6)
    gpu = mp1.Model()
    gpu.load_pretrained_model()
    cpu = cpu_model(mp1, monkeypatch)
    cpu.load_pretrained_model()
    on_gpu = denoise_photo(gpu.predict, noisy_photo)[0]
    on_cpu = denoise_photo(cpu.predict, noisy_photo)[0]
    assert on_gpu.shape == noisy_photo.shape
    assert abs(psnr(on_gpu.round().clamp(0, 255), clean) - psnr(on_cpu.round().clamp(0, 255), clean)) < 0.05


def test_photo_training_runs_on_cuda(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    for i in range(2):
        write_image(smooth_images(1, size=128, seed=i), photos / f"p{i}.png")
    _, val = write_course_files(tmp_path, pairs=4, val=8)
    out = tmp_path / "m.pth"
    assert main(["train", "--photos", str(photos), "--val", str(val), "--crop-size", "64", "--steps-per-epoch", "20",
                 "--batch-size", "8", "--arch", "16x3", "--quiet", "--epochs", "2", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.with_suffix(".csv").open()))
    assert len(rows) == 2 and all(math.isfinite(float(row["loss"])) for row in rows)
