"""PatchStream: fresh crops from whole photos, deterministic per (seed, step), noisy or clean targets."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from n2n.cli import main
from n2n.data.images import write_image
from n2n.data.noise import parse_noise
from n2n.data.patches import PatchStream, batch_generator, random_symmetries


def ramp_images() -> list[torch.Tensor]:
    """Two distinguishable uint8 images: every pixel value encodes its position."""
    first = (torch.arange(40 * 50) % 251).view(1, 40, 50).expand(3, -1, -1).to(torch.uint8).contiguous()
    return [first, (255 - first[:, :30, :45]).contiguous()]


def test_batches_are_deterministic_per_step_and_differ_between_steps() -> None:
    stream = PatchStream(ramp_images(), parse_noise("gaussian:25"), crop=16)
    a1, b1 = stream.batch(4, batch_generator(0, 7))
    a2, b2 = stream.batch(4, batch_generator(0, 7))
    assert torch.equal(a1, a2) and torch.equal(b1, b2)
    a3, _ = stream.batch(4, batch_generator(0, 8))
    assert not torch.equal(a1, a3)
    assert not torch.equal(stream.batch(4, batch_generator(0, 7, rank=1))[0], a1)


def test_targets_are_unclipped_noisy_copies_or_the_clean_crop() -> None:
    images = [torch.full((3, 32, 32), 250, dtype=torch.uint8)]
    noisy_input, target = PatchStream(images, parse_noise("gaussian:25"), crop=16).batch(8, batch_generator(1, 0))
    assert noisy_input.dtype == torch.uint8 and target.dtype == torch.float32
    assert float(target.max()) > 255.0  # zero-mean noise, not clipped: the unbiased Noise2Noise target
    assert abs(float(target.mean()) - 250.0) < 3.0
    _, clean = PatchStream(images, parse_noise("gaussian:25"), crop=16, target="clean").batch(2, batch_generator(1, 0))
    assert torch.equal(clean, torch.full((2, 3, 16, 16), 250.0))


def test_clean_crops_are_pieces_of_the_photos_up_to_a_symmetry() -> None:
    images = ramp_images()
    stream = PatchStream(images, parse_noise("gaussian:5"), crop=8)
    crops = stream.clean_batch(16, batch_generator(2, 0))
    windows = set()
    for image in images:
        for top in range(image.shape[1] - 7):
            for left in range(image.shape[2] - 7):
                windows.add(image[:, top : top + 8, left : left + 8].numpy().tobytes())
    for crop in crops:
        variants = [torch.rot90(crop, k, (1, 2)) for k in range(4)]
        variants += [v.flip(2) for v in variants]
        assert any(v.contiguous().numpy().tobytes() in windows for v in variants)


def test_random_symmetries_keep_each_crop_s_pixels() -> None:
    crops = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).view(2, 3, 5, 5)
    turned = random_symmetries(crops, torch.Generator().manual_seed(0))
    assert torch.equal(turned.flatten(1).sort(dim=1).values, crops.flatten(1).sort(dim=1).values)


def test_bad_settings_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="at least 8"):
        PatchStream(ramp_images(), parse_noise("mixed"), crop=4)
    with pytest.raises(ValueError, match="smaller --crop-size"):
        PatchStream(ramp_images(), parse_noise("mixed"), crop=64)
    with pytest.raises(ValueError, match="target"):
        PatchStream(ramp_images(), parse_noise("mixed"), crop=8, target="noise")


def test_train_on_photos_resumes_exactly(tmp_path: Path, monkeypatch) -> None:
    import n2n.training.fit as engine
    from tests.mp1_helpers import smooth_images, write_course_files

    photos = tmp_path / "photos"
    for i in range(2):
        write_image(smooth_images(1, size=64, seed=i), photos / f"p{i}.png")
    _, val = write_course_files(tmp_path, pairs=4, val=4)
    common = ["train", "--photos", str(photos), "--val", str(val), "--crop-size", "24", "--steps-per-epoch", "3",
              "--batch-size", "2", "--arch", "8x2", "--threads", "1", "--quiet", "--epochs", "3"]
    straight, split = tmp_path / "straight.pth", tmp_path / "split.pth"
    assert main([*common, "--out", str(straight)]) == 0

    real_write_log = engine.write_log

    def killed_after_epoch_2(history, path):
        real_write_log(history, path)
        if len(history) == 2:
            raise KeyboardInterrupt  # the session ends right after epoch 2's files are written

    monkeypatch.setattr(engine, "write_log", killed_after_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        main([*common, "--out", str(split)])
    monkeypatch.setattr(engine, "write_log", real_write_log)
    state = torch.load(split.with_name("split.last.pth"), weights_only=True)
    assert state["epoch"] == 2 and state["stream"]["crop"] == 24 and state["stream"]["target"] == "noisy"
    assert main([*common, "--out", str(split), "--resume"]) == 0
    a = torch.load(straight.with_name("straight.last.pth"), weights_only=True)
    b = torch.load(split.with_name("split.last.pth"), weights_only=True)
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert [row["loss"] for row in csv.DictReader(split.with_suffix(".csv").open())] == \
        [row["loss"] for row in csv.DictReader(straight.with_suffix(".csv").open())]


def test_scratch_engine_refuses_photos_clearly(tmp_path: Path, capsys) -> None:
    from tests.mp1_helpers import write_course_files

    _, val = write_course_files(tmp_path, pairs=4, val=2)
    assert main(["train", "--engine", "scratch", "--photos", str(tmp_path), "--val", str(val), "--out", str(tmp_path / "m.pth")]) == 2
    assert "torch engine" in capsys.readouterr().err


def test_val_photos_picks_the_best_epoch_by_the_whole_photo_score(tmp_path: Path, monkeypatch) -> None:
    import n2n.training.validators as engine
    from tests.mp1_helpers import smooth_images, write_course_files

    photos = tmp_path / "photos"
    for i in range(2):
        write_image(smooth_images(1, size=64, seed=i), photos / f"p{i}.png")
    _, val = write_course_files(tmp_path, pairs=4, val=4)
    scores = iter([30.0, 31.0, 29.0])
    monkeypatch.setattr(engine, "whole_photo_psnr", lambda denoise: next(scores))
    out = tmp_path / "m.pth"
    assert main(["train", "--photos", str(photos), "--val", str(val), "--crop-size", "16", "--steps-per-epoch", "2", "--batch-size", "2",
                 "--arch", "8x2", "--threads", "1", "--quiet", "--epochs", "3", "--val-photos", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.with_suffix(".csv").open()))
    assert [float(row["val_photos_psnr"]) for row in rows] == [30.0, 31.0, 29.0]
    last = torch.load(out.with_name("m.last.pth"), weights_only=True)
    assert last["best_psnr"] == 31.0 and last["val_photos"] is True
