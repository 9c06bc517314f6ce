"""Denoising without pairs: the Neighbor2Neighbor sub-sampler and loss, ``n2n train --single`` /
``--single-from-pairs`` (exact resume), ``n2n denoise --adapt`` and their errors. Tiny images, 1 thread."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
import torch
from torch import nn

from Miniproject_1.model import BEST_MODEL_PATH
from Miniproject_1.others.unet import UNet
from n2n.cli import main
from n2n.data.images import write_image
from n2n.inference.adapt import adapt
from n2n.training.neighbor2neighbor import (
    ADJACENT_PAIRS,
    GAMMA,
    PAPER_GAMMA,
    CellChoice,
    gamma_at,
    neighbor2neighbor_loss,
    random_cells,
    subsample,
)
from n2n.training.single import SingleTraining, check_crop, train_single
from tests.mp1_helpers import noisy, smooth_images, write_course_files

TINY = ["--arch", "8x2", "--batch-size", "2", "--threads", "1", "--quiet"]


class Scale(nn.Module):
    """``f(x) = w * x`` with one trainable weight: a network whose loss can be worked out by hand."""

    def __init__(self, w: float) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(float(w)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w * x


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------- sub-sampler


def test_subsampler_takes_two_different_adjacent_pixels_of_every_cell() -> None:
    n, c, h, w = 3, 3, 8, 6
    image = torch.arange(n * c * h * w, dtype=torch.float64).view(n, c, h, w)  # every value unique
    cells = random_cells(n, h, w, torch.Generator().manual_seed(1))
    g1, g2 = subsample(image, cells.first), subsample(image, cells.second)
    assert g1.shape == g2.shape == (n, c, h // 2, w // 2)
    assert not set(g1.flatten().tolist()) & set(g2.flatten().tolist())  # never a shared pixel
    for sub in (g1, g2):
        flat = sub.long()
        row, col = (flat % (h * w)) // w, flat % w  # where each value came from
        cell_row, cell_col = torch.arange(h // 2).view(1, 1, -1, 1), torch.arange(w // 2).view(1, 1, 1, -1)
        assert torch.equal(row // 2, cell_row.expand_as(row)) and torch.equal(col // 2, cell_col.expand_as(col))
        assert torch.equal(flat // (h * w) % c, torch.arange(c).view(1, -1, 1, 1).expand_as(flat))  # one pixel, all channels
        assert len(set(flat.flatten().tolist())) == flat.numel()  # one pixel per cell and channel
    d1, d2 = g1.long() % (h * w), g2.long() % (h * w)
    distance = (d1 // w - d2 // w).abs() + (d1 % w - d2 % w).abs()
    assert torch.equal(distance, torch.ones_like(distance))  # horizontal or vertical neighbours


def test_subsampler_draws_all_eight_neighbour_pairs() -> None:
    cells = random_cells(1, 64, 64, torch.Generator().manual_seed(0))
    pairs = {tuple(p) for p in torch.stack([cells.first, cells.second], -1).view(-1, 2).tolist()}
    assert pairs == {tuple(p) for p in ADJACENT_PAIRS.tolist()}
    assert (cells.first != cells.second).all()


def test_subsampler_needs_even_sides() -> None:
    with pytest.raises(ValueError, match="even"):
        random_cells(1, 5, 4)
    with pytest.raises(ValueError, match="even"):
        subsample(torch.zeros(1, 3, 4, 3), torch.zeros(1, 2, 1, dtype=torch.long))


# ----------------------------------------------------------------------------------------------- loss


# y = [[1, 2, 3, 4], [5, 6, 7, 8]]: two cells. Cell 1 (1 2 / 5 6): g1 takes position 0 (1), g2 position 1 (2).
# Cell 2 (3 4 / 7 8): g1 takes position 3 (8), g2 position 1 (4). So g1 = [1, 8], g2 = [2, 4].
Y = torch.tensor([[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]]])
CELLS = CellChoice(torch.tensor([[[0, 3]]]), torch.tensor([[[1, 1]]]))


def test_loss_terms_of_the_identity() -> None:
    loss, terms = neighbor2neighbor_loss(nn.Identity(), Y, CELLS, gamma=2.0)
    assert float(terms["reconstruction"]) == pytest.approx(((1 - 2) ** 2 + (8 - 4) ** 2) / 2)  # 8.5
    assert float(terms["regulariser"]) == 0.0  # f(g1(y)) - g2(y) == g1(f(y)) - g2(f(y))
    assert float(loss) == pytest.approx(8.5)


def test_loss_terms_and_stop_gradient_of_a_linear_network() -> None:
    network = Scale(2.0)
    loss, terms = neighbor2neighbor_loss(network, Y, CELLS, gamma=2.0)
    # f(g1) = [2, 16]; f(g1) - g2 = [0, 12] -> reconstruction (0 + 144) / 2 = 72.
    # g1(f(y)) - g2(f(y)) = [2, 16] - [4, 8] = [-2, 8]; [0, 12] - [-2, 8] = [2, 4] -> regulariser (4 + 16) / 2 = 10.
    assert float(terms["reconstruction"]) == pytest.approx(72.0)
    assert float(terms["regulariser"]) == pytest.approx(10.0)
    assert float(loss.detach()) == pytest.approx(72.0 + 2.0 * 10.0)
    loss.backward()
    # d/dw with f(y) held fixed: mean(2 [0, 12] [1, 8]) + 2 mean(2 [2, 4] [1, 8]) = 96 + 2 * 34 = 164.
    # (Without the stop-gradient the regulariser's gradient would be mean(2 [2, 4] ([1, 8] - [-1, 4])) = 20, not 34.)
    assert float(network.w.grad) == pytest.approx(164.0)


def test_l1_loss_terms_of_a_linear_network() -> None:
    network = Scale(2.0)
    loss, terms = neighbor2neighbor_loss(network, Y, CELLS, gamma=2.0, l1=True)
    # Same differences as the squared case: f(g1) - g2 = [0, 12] -> (0 + 12) / 2 = 6; [2, 4] -> (2 + 4) / 2 = 3.
    assert float(terms["reconstruction"]) == pytest.approx(6.0)
    assert float(terms["regulariser"]) == pytest.approx(3.0)
    loss.backward()
    # d/dw: mean(sign([0, 12]) [1, 8]) + 2 mean(sign([2, 4]) [1, 8]) = 4 + 2 * 4.5 = 13 (sign(0) = 0).
    assert float(network.w.grad) == pytest.approx(13.0)


def test_loss_takes_the_targets_from_the_unclipped_image() -> None:
    # Same cells as above, g2 taken from T instead of Y: g2 = [20, 40]; the identity gives f(g1) = [1, 8].
    targets = Y * 10
    loss, terms = neighbor2neighbor_loss(nn.Identity(), Y, CELLS, gamma=2.0, targets=targets)
    assert float(terms["reconstruction"]) == pytest.approx(((1 - 20) ** 2 + (8 - 40) ** 2) / 2)
    # f(g1) - g2 = [-19, -32]; g1(f(y)) - g2(f(y)) = [1 - 2, 8 - 4] = [-1, 4]; difference [-18, -36].
    assert float(terms["regulariser"]) == pytest.approx((18 ** 2 + 36 ** 2) / 2)
    assert float(loss) == pytest.approx(float(terms["reconstruction"]) + 2.0 * float(terms["regulariser"]))
    with pytest.raises(ValueError, match="do not match"):
        neighbor2neighbor_loss(nn.Identity(), Y, CELLS, gamma=2.0, targets=Y[..., :2])


def test_gamma_ramps_linearly_from_zero() -> None:
    assert [gamma_at(k, 10, 2.0) for k in (0, 5, 10)] == [0.0, 1.0, 2.0]
    assert gamma_at(0, 10, 2.0, ramp=False) == 2.0
    assert gamma_at(10, 10) == GAMMA == 0.5 and PAPER_GAMMA == 2.0  # n2n's default, the paper's


def test_crop_must_fit_the_sub_images() -> None:
    assert check_crop(32, 8) == 32
    for bad in (24, 8, 0):
        with pytest.raises(ValueError, match="multiples of 16"):
            check_crop(bad, 8)


def test_train_single_trains_in_place_reproducibly() -> None:
    image = noisy(smooth_images(1, size=48, seed=0), sigma=20)
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        network = UNet(width=8, depth=2)
        losses = train_single(network, [image], 4, SingleTraining(lr=3e-3, batch_size=2, crop=16, seed=3))
        results.append((losses, network.tail.weight.detach().clone()))
    assert len(results[0][0]) == 4 and results[0][0] == results[1][0]
    assert torch.equal(results[0][1], results[1][1]) and results[0][1].abs().sum() > 0


# -------------------------------------------------------------------------------------- n2n train


@pytest.fixture
def noisy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "shots"
    for i, (h, w) in enumerate([(40, 48), (36, 33)]):
        write_image(noisy(smooth_images(1, size=max(h, w), seed=i)[..., :h, :w], seed=10 + i), folder / f"shot{i}.png")
    return folder


def _resumes_exactly(tmp_path: Path, monkeypatch, common: list[str]) -> dict:
    """Train 3 epochs straight, and 2 epochs then (after a simulated kill) ``--resume``: same weights and log."""
    import n2n.training.fit as engine

    straight, split = tmp_path / "straight.pth", tmp_path / "split.pth"
    assert main([*common, "--epochs", "3", "--out", str(straight)]) == 0
    real_write_log = engine.write_log

    def killed_after_epoch_2(history, path):
        real_write_log(history, path)
        if len(history) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(engine, "write_log", killed_after_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        main([*common, "--epochs", "3", "--out", str(split)])
    monkeypatch.setattr(engine, "write_log", real_write_log)
    assert main([*common, "--epochs", "3", "--out", str(split), "--resume"]) == 0
    a = torch.load(straight.with_name("straight.last.pth"), weights_only=True)
    b = torch.load(split.with_name("split.last.pth"), weights_only=True)
    assert a["epoch"] == b["epoch"] == 3
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert [r["loss"] for r in csv.DictReader(split.with_suffix(".csv").open())] == \
        [r["loss"] for r in csv.DictReader(straight.with_suffix(".csv").open())]
    assert "head.0.0.weight" in torch.load(straight, weights_only=True)  # --out: a plain state_dict, as n2n train writes
    return b


def test_train_single_folder_resumes_exactly(tmp_path: Path, monkeypatch, noisy_folder: Path) -> None:
    _, val = write_course_files(tmp_path, pairs=4, val=4)
    common = ["train", "--single", str(noisy_folder), "--val", str(val), "--crop-size", "16", "--steps-per-epoch", "2", *TINY]
    state = _resumes_exactly(tmp_path, monkeypatch, common)
    assert state["stream"]["kind"] == "single" and state["stream"]["data"] == "folder" and state["stream"]["crop"] == 16
    assert main(["denoise", str(noisy_folder / "shot0.png"), "-o", str(tmp_path / "d.png"),
                 "--checkpoint", str(tmp_path / "straight.pth"), "--quiet"]) == 0


def test_train_single_from_pairs_resumes_exactly(tmp_path: Path, monkeypatch) -> None:
    train, val = write_course_files(tmp_path, pairs=4, val=4)
    common = ["train", "--data", str(train), "--single-from-pairs", "--val", str(val), *TINY]
    state = _resumes_exactly(tmp_path, monkeypatch, common)
    assert state["stream"]["data"] == "pairs" and len(state["history"]) == 3


def test_train_on_photos_with_single_target(tmp_path: Path, capsys, noisy_folder: Path) -> None:
    _, val = write_course_files(tmp_path, pairs=4, val=2)
    out = tmp_path / "nb2nb.pth"
    assert main(["train", "--photos", str(noisy_folder), "--target", "single", "--noise", "gaussian:25", "--val", str(val),
                 "--crop-size", "16", "--steps-per-epoch", "2", "--epochs", "1", "--out", str(out), *TINY]) == 0
    stream = torch.load(out.with_name("nb2nb.last.pth"), weights_only=True)["stream"]
    assert stream["data"] == "photos" and stream["noise"] == "gaussian:25" and stream["targets"] == "unclipped"
    clipped = tmp_path / "clipped.pth"
    assert main(["train", "--photos", str(noisy_folder), "--target", "single", "--single-targets", "clipped", "--noise",
                 "gaussian:25", "--val", str(val), "--crop-size", "16", "--steps-per-epoch", "2", "--epochs", "1",
                 "--out", str(clipped), *TINY]) == 0
    assert torch.load(clipped.with_name("clipped.last.pth"), weights_only=True)["stream"]["targets"] == "clipped"
    l1 = tmp_path / "l1.pth"
    common = ["--val", str(val), "--steps-per-epoch", "2", "--out", str(l1), *TINY]
    assert main(["train", "--single", str(noisy_folder), "--crop-size", "16", "--single-loss", "l1", "--epochs", "1", *common]) == 0
    assert torch.load(l1.with_name("l1.last.pth"), weights_only=True)["stream"]["loss"] == "l1"
    assert main(["train", "--single", str(noisy_folder), "--crop-size", "16", "--single-loss", "l1", "--epochs", "2",
                 "--resume", *common]) == 0
    assert main(["train", "--single", str(noisy_folder), "--crop-size", "16", "--single-loss", "l2", "--epochs", "3",
                 "--resume", *common]) == 2
    assert "trained with --single-loss l1" in capsys.readouterr().err
    soft = tmp_path / "soft.pth"
    common = ["--val", str(val), "--steps-per-epoch", "2", "--out", str(soft), *TINY]
    assert main(["train", "--single", str(noisy_folder), "--crop-size", "16", "--single-gamma", "0.5", "--epochs", "1", *common]) == 0
    assert torch.load(soft.with_name("soft.last.pth"), weights_only=True)["stream"]["gamma"] == 0.5
    hard = tmp_path / "hard.pth"
    assert main(["train", "--single", str(noisy_folder), "--crop-size", "16", "--single-gamma", "8", "--epochs", "1",
                 "--val", str(val), "--steps-per-epoch", "2", "--out", str(hard), *TINY]) == 0
    weights = [torch.load(path.with_name(path.stem + ".last.pth"), weights_only=True)["model"] for path in (soft, hard)]
    assert any(not torch.equal(weights[0][name], weights[1][name]) for name in weights[0])  # the weight is used
    assert main(["train", "--single", str(noisy_folder), "--crop-size", "16", "--epochs", "2", "--resume", *common]) == 0
    assert main(["train", "--single", str(noisy_folder), "--crop-size", "16", "--single-gamma", "2", "--epochs", "3",
                 "--resume", *common]) == 2
    assert "trained with --single-gamma 0.5" in capsys.readouterr().err


def test_train_single_reports_bad_inputs(tmp_path: Path, capsys, noisy_folder: Path) -> None:
    train, val = write_course_files(tmp_path, pairs=4, val=2)
    out = ["--val", str(val), "--out", str(tmp_path / "m.pth"), *TINY]
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no images here")
    cases = [
        (["--single", str(empty)], "no PNG/JPEG images"),
        (["--single", str(tmp_path / "missing")], "no such folder"),
        (["--single", str(noisy_folder), "--crop-size", "20"], "multiples of 8"),
        (["--single", str(noisy_folder), "--crop-size", "48"], "no image is at least 48 px"),
        (["--noisy-a", str(noisy_folder), "--single-from-pairs"], "--data"),
        (["--single", str(noisy_folder), "--single-from-pairs"], "--data"),
        (["--data", str(train), "--single-from-pairs", "--arch", "8x5"], "shallower --arch"),
        (["--single", str(noisy_folder), "--engine", "scratch", "--arch", "course"], "torch engine"),
        (["--single", str(noisy_folder), "--single-targets", "unclipped"], "already clipped photo files"),
        (["--data", str(train), "--single-from-pairs", "--single-targets", "unclipped"], "already clipped"),
        (["--photos", str(noisy_folder), "--single-targets", "clipped"], "add --target single"),
        (["--data", str(train), "--single-loss", "l1"], "--single-loss applies to single-image training"),
        (["--data", str(train), "--single-gamma", "1"], "--single-gamma applies to single-image training"),
        (["--single", str(noisy_folder), "--single-gamma", "-1"], "--single-gamma must be a number >= 0"),
        (["--single", str(noisy_folder), "--single-gamma", "nan"], "--single-gamma must be a number >= 0"),
    ]
    for options, message in cases:
        assert main(["train", *out, *options]) == 2, options
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (options, err)


def test_resume_refuses_other_data_options(tmp_path: Path, capsys, noisy_folder: Path) -> None:
    train, val = write_course_files(tmp_path, pairs=4, val=2)
    out = tmp_path / "m.pth"
    base = ["--val", str(val), "--out", str(out), "--epochs", "1", *TINY]
    assert main(["train", "--data", str(train), *base]) == 0
    assert main(["train", "--single", str(noisy_folder), *base, "--epochs", "2", "--resume"]) == 2
    assert "not trained on single images" in capsys.readouterr().err
    single = tmp_path / "s.pth"
    assert main(["train", "--data", str(train), "--single-from-pairs", "--val", str(val), "--out", str(single), "--epochs", "1", *TINY]) == 0
    assert main(["train", "--data", str(train), "--val", str(val), "--out", str(single), "--epochs", "2", "--resume", *TINY]) == 2
    assert "trained on single images" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------- --adapt


def test_adapt_fine_tunes_a_copy() -> None:
    torch.manual_seed(0)
    network = UNet(width=8, depth=2)
    before = {k: v.clone() for k, v in network.state_dict().items()}
    image = noisy(smooth_images(1, size=40, seed=5), sigma=30)
    adapted = adapt(network, image, steps=2, batch_size=2, crop=32, desc=None)
    assert adapted.steps == 2 and adapted.crop == 32 and adapted.seconds > 0
    assert all(torch.equal(before[k], v) for k, v in network.state_dict().items())  # the original is untouched
    assert any(not torch.equal(before[k], v) for k, v in adapted.copy.state_dict().items())
    out = adapted(image)
    assert out.shape == image.shape and out.dtype == torch.float32


def test_adapt_blends_the_copy_only_when_the_self_check_prefers_it(monkeypatch) -> None:
    import n2n.inference.adapt as adapt_module
    from Miniproject_1.others.inference import denoise

    torch.manual_seed(0)
    network = UNet(width=8, depth=2)
    image = noisy(smooth_images(1, size=40, seed=5), sigma=30)
    cpu = torch.device("cpu")
    scores = iter([10.0, 12.0])  # original first, then the copy: the copy scores worse
    monkeypatch.setattr(adapt_module, "masked_score", lambda predict, noisy_image: next(scores))
    worse = adapt(network, image, steps=1, batch_size=2, crop=32, desc=None)
    assert not worse.kept and worse.weight == 0.0 and (worse.score_before, worse.score_after) == (10.0, 12.0)
    assert worse.original is network and torch.equal(worse(image), denoise(network, image, cpu, 4))
    assert "original network denoises alone" in worse.summary()
    scores = iter([10.0, 9.0])
    better = adapt(network, image, steps=1, batch_size=2, crop=32, desc=None)
    assert better.kept and better.weight == adapt_module.BLEND == 0.5 and "average" in better.summary()
    expected = (denoise(network, image, cpu, 4) + denoise(better.copy, image, cpu, 4)) / 2
    assert not torch.equal(denoise(network, image, cpu, 4), denoise(better.copy, image, cpu, 4))
    assert torch.allclose(better(image), expected, atol=1e-4)
    unchecked = adapt(network, image, steps=1, batch_size=2, crop=32, check=False, desc=None)
    assert unchecked.kept and unchecked.score_before is None and unchecked.weight == 0.5
    alone = adapt(network, image, steps=1, batch_size=2, crop=32, check=False, blend=1.0, desc=None)
    assert torch.equal(alone(image), denoise(alone.copy, image, cpu, 4)) and "the adapted copy" in alone.summary()
    unused = adapt(network, image, steps=1, batch_size=2, crop=32, check=False, blend=0, desc=None)
    assert torch.equal(unused(image), denoise(network, image, cpu, 4)) and "original network alone" in unused.summary()


def test_adapt_errors_are_clear() -> None:
    for blend in (-0.1, 1.5, "half", True):
        with pytest.raises(ValueError, match=r"blend .* \[0, 1\]"):
            adapt(UNet(width=8, depth=2), torch.zeros(1, 3, 32, 32, dtype=torch.uint8), steps=1, blend=blend, desc=None)
    network = UNet(width=8, depth=2)
    with pytest.raises(ValueError, match="too small"):
        adapt(network, torch.zeros(1, 3, 3, 40, dtype=torch.uint8), steps=1, desc=None)
    for steps in (0, -2):
        with pytest.raises(ValueError, match="steps"):
            adapt(network, torch.zeros(1, 3, 32, 32, dtype=torch.uint8), steps=steps, desc=None)
    with pytest.raises(ValueError, match="Miniproject_1"):
        adapt(lambda images: images, torch.zeros(1, 3, 32, 32, dtype=torch.uint8), steps=1, desc=None)


def test_denoise_adapt_on_the_shipped_model_leaves_it_byte_identical(tmp_path: Path, capsys) -> None:
    source = tmp_path / "photo.png"
    write_image(noisy(smooth_images(1, size=48, seed=7), sigma=60), source)
    before = sha256(BEST_MODEL_PATH)
    out = tmp_path / "out.png"
    assert main(["denoise", str(source), "-o", str(out), "--adapt", "--adapt-steps", "1", "--quiet"]) == 0
    assert out.is_file() and sha256(BEST_MODEL_PATH) == before
    assert "adapted in 1 steps" in capsys.readouterr().out


def test_denoise_adapt_with_a_checkpoint_leaves_it_byte_identical(tmp_path: Path) -> None:
    torch.manual_seed(1)
    checkpoint = tmp_path / "mine.pth"
    torch.save(UNet(width=8, depth=2).state_dict(), checkpoint)
    before = sha256(checkpoint)
    source = tmp_path / "photo.png"
    write_image(noisy(smooth_images(1, size=32, seed=8)), source)
    out = tmp_path / "out.png"
    assert main(["denoise", str(source), "-o", str(out), "--checkpoint", str(checkpoint), "--adapt", "--adapt-steps", "2",
                 "--quiet"]) == 0
    assert out.is_file() and sha256(checkpoint) == before


def test_denoise_adapt_reports_bad_inputs(tmp_path: Path, capsys) -> None:
    source = tmp_path / "photo.png"
    write_image(noisy(smooth_images(1, size=32, seed=8)), source)
    tiny = tmp_path / "tiny.png"
    write_image(noisy(smooth_images(1, size=12, seed=8)), tiny)
    out = str(tmp_path / "out.png")
    cases = [
        ([str(source), "--adapt", "--adapt-steps", "0"], "at least 1"),
        ([str(source), "--adapt", "--adapt-steps", "-3"], "at least 1"),
        ([str(source), "--adapt-steps", "5"], "add --adapt"),
        ([str(tiny), "--adapt", "--adapt-steps", "1"], "too small"),
        ([str(source), "--adapt", "--model", "miniproject2"], "Miniproject_1"),
    ]
    for options, message in cases:
        assert main(["denoise", *options, "-o", out, "--quiet"]) == 2, options
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, (options, err)
    assert not Path(out).exists()


@pytest.mark.slow
def test_single_trains_under_ddp_on_two_gloo_processes(tmp_path: Path, noisy_folder: Path) -> None:
    """``torchrun`` with 2 CPU processes: each draws its own crops (rank in the batch seed), DDP averages the loss's gradients."""
    import os
    import subprocess
    import sys

    _, val = write_course_files(tmp_path, pairs=4, val=2)
    out = tmp_path / "ddp.pth"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "n2n.training",
                          "--single", str(noisy_folder), "--val", str(val), "--crop-size", "16", "--steps-per-epoch", "2",
                          "--epochs", "2", "--arch", "8x2", "--batch-size", "4", "--out", str(out)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    state = torch.load(out.with_name("ddp.last.pth"), weights_only=True)
    assert state["epoch"] == 2 and state["stream"]["kind"] == "single"
    assert all(torch.isfinite(v).all() for v in state["model"].values())


def test_single_target_sees_the_noise2noise_inputs(tmp_path: Path, noisy_folder: Path) -> None:
    """``--photos --target single`` draws step k's inputs exactly as the Noise2Noise stream does (same seed)."""
    from Miniproject_1.others.training import TrainConfig
    from n2n.data.noise import parse_noise
    from n2n.data.patches import PatchStream, batch_generator, resolve_training_photos
    from n2n.training.single_source import SingleSource

    settings = {"kind": "single", "data": "photos", "photos": str(noisy_folder), "noise": "gaussian:25", "crop": 16,
                "steps_per_epoch": 2, "gamma": 2.0, "ramp": True, "scales": [256], "loss": "l2", "targets": "clipped"}
    source = SingleSource(settings, {"width": 8, "depth": 2}, TrainConfig(batch_size=2, seed=4))
    stream = PatchStream.from_photos(resolve_training_photos(str(noisy_folder)), parse_noise("gaussian:25"), 16, "noisy", [256])
    draw = source._drawer(epoch=1, rank=0, world_size=1)
    for k in (2, 3):
        assert torch.equal(draw(k)[0], stream.batch(2, batch_generator(4, k, 0))[0])
    # Unclipped targets: the same inputs, plus the noisy copy they were rounded and clipped from.
    unclipped = SingleSource({**settings, "targets": "unclipped"}, {"width": 8, "depth": 2}, TrainConfig(batch_size=2, seed=4))
    for k in (2, 3):
        inputs, _, targets = unclipped._drawer(epoch=1, rank=0, world_size=1)(k)
        assert torch.equal(inputs, stream.batch(2, batch_generator(4, k, 0))[0])
        assert targets.dtype == torch.float32 and torch.equal(targets.clamp(0, 255).round().to(torch.uint8), inputs)
        assert (targets < 0).any() or (targets > 255).any() or not torch.equal(targets, inputs.float())
