"""Fine-tuning options of ``n2n train --photos``: noise-normalised loss, grey and tone-remapped crops, ``--init``."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from Miniproject_1.others.training import Placement
from n2n.cli import main
from n2n.data.images import write_image
from n2n.data.noise import parse_noise
from n2n.data.patches import TONE_GAIN, TONE_GAMMA, TONE_GAIN_MAX_LIMIT, PatchStream, batch_generator, remap_tones, to_gray
from n2n.training.learner import Learner
from n2n.training.losses import NOISE_FLOOR, noise_normalised_weights
from n2n.training.stream import StreamTraining, train_stream_epoch
from tests.test_data_patches import ramp_images


def test_noise_normalised_weights_by_hand() -> None:
    inputs = torch.zeros(2, 1, 2, 2)
    # Copy differences 0.2 and 0.0: estimated one-copy variances 0.2**2 / 2 = 0.02 and 0.
    targets = torch.cat([torch.full((1, 1, 2, 2), 0.2), torch.zeros(1, 1, 2, 2)])
    raw = torch.tensor([1 / (0.02 + NOISE_FLOOR**2), 1 / NOISE_FLOOR**2])
    assert torch.allclose(noise_normalised_weights(inputs, targets), raw / raw.mean())
    # Clean targets: the whole difference is the noise.
    raw_clean = torch.tensor([1 / (0.04 + NOISE_FLOOR**2), 1 / NOISE_FLOOR**2])
    assert torch.allclose(noise_normalised_weights(inputs, targets, noisy_targets=False), raw_clean / raw_clean.mean())


def test_std_normalised_weights_divide_by_the_noise_standard_deviation() -> None:
    inputs = torch.zeros(2, 1, 2, 2)
    targets = torch.cat([torch.full((1, 1, 2, 2), 0.2), torch.zeros(1, 1, 2, 2)])
    raw = torch.tensor([(0.02 + NOISE_FLOOR**2) ** -0.5, 1 / NOISE_FLOOR])
    assert torch.allclose(noise_normalised_weights(inputs, targets, power=0.5), raw / raw.mean())
    with pytest.raises(ValueError, match="power must be positive"):
        noise_normalised_weights(inputs, targets, power=0.0)


def test_noisier_crops_weigh_less_and_weights_average_one() -> None:
    generator = torch.Generator().manual_seed(0)
    clean = torch.rand(3, 3, 16, 16, generator=generator)
    sigmas = torch.tensor([5.0, 25.0, 50.0]).view(3, 1, 1, 1) / 255
    a = clean + sigmas * torch.randn(clean.shape, generator=generator)
    b = clean + sigmas * torch.randn(clean.shape, generator=generator)
    weights = noise_normalised_weights(a, b)
    assert weights[0] > weights[1] > weights[2]
    assert abs(float(weights.mean()) - 1.0) < 1e-6
    gentle = noise_normalised_weights(a, b, power=0.5)
    assert gentle[0] > gentle[1] > gentle[2] and abs(float(gentle.mean()) - 1.0) < 1e-6
    assert gentle[0] / gentle[2] < weights[0] / weights[2]  # a gentler balance: square roots of the ratios
    assert torch.allclose(gentle[0] / gentle[2], (weights[0] / weights[2]).sqrt())


def test_to_gray_puts_the_luma_in_every_channel() -> None:
    crops = torch.tensor([255, 0, 0, 0, 255, 0, 0, 0, 255], dtype=torch.uint8).view(3, 3, 1, 1).permute(1, 0, 2, 3)
    gray = to_gray(crops.contiguous())
    assert gray.dtype == torch.uint8 and gray.shape == (3, 3, 1, 1)
    assert gray[:, :, 0, 0].tolist() == [[76, 76, 76], [150, 150, 150], [29, 29, 29]]


def test_grey_fraction_greys_crops_and_zero_keeps_the_stream_as_it_was() -> None:
    colour = [torch.stack([image[0], 255 - image[1], image[2] // 2]) for image in ramp_images()]
    plain = PatchStream(colour, parse_noise("gaussian:5"), crop=8).clean_batch(6, batch_generator(3, 0))
    zero = PatchStream(colour, parse_noise("gaussian:5"), crop=8, gray_fraction=0.0).clean_batch(6, batch_generator(3, 0))
    assert torch.equal(plain, zero)
    grey = PatchStream(colour, parse_noise("gaussian:5"), crop=8, gray_fraction=1.0).clean_batch(6, batch_generator(3, 0))
    assert torch.equal(grey[:, 0], grey[:, 1]) and torch.equal(grey[:, 1], grey[:, 2])
    assert torch.equal(grey, to_gray(plain))  # the same crops, greyed
    with pytest.raises(ValueError, match="gray fraction"):
        PatchStream(colour, parse_noise("gaussian:5"), crop=8, gray_fraction=1.5)


def test_same_noise_fraction_copies_one_channel_of_noise_on_grey_crops_only() -> None:
    colour = ramp_images()  # grey ramps (all channels equal)
    noise = parse_noise("gaussian:20")
    plain = PatchStream(colour, noise, crop=8, gray_fraction=1.0).batch(6, batch_generator(3, 0))
    zero = PatchStream(colour, noise, crop=8, gray_fraction=1.0, same_noise_fraction=0.0).batch(6, batch_generator(3, 0))
    assert all(torch.equal(a, b) for a, b in zip(plain, zero))  # 0 keeps the stream as it was
    assert not torch.equal(plain[0][:, 0], plain[0][:, 1])
    noisy, target = PatchStream(colour, noise, crop=8, gray_fraction=1.0, same_noise_fraction=1.0).batch(6, batch_generator(3, 0))
    assert torch.equal(noisy[:, 0], noisy[:, 1]) and torch.equal(noisy[:, 1], noisy[:, 2])
    assert torch.equal(target[:, 0], target[:, 2]) and not torch.equal(noisy[:, 0].float(), target[:, 0])
    tinted = [(image.int() + torch.tensor([0, 20, 40]).view(3, 1, 1)).clamp(0, 255).to(torch.uint8) for image in colour]
    colour_noisy, _ = PatchStream(tinted, noise, crop=8, same_noise_fraction=1.0).batch(6, batch_generator(3, 0))
    colour_noisy = colour_noisy.int() - torch.tensor([0, 20, 40]).view(1, 3, 1, 1)
    assert not torch.equal(colour_noisy[:, 0], colour_noisy[:, 1])  # colour crops keep independent noise
    with pytest.raises(ValueError, match="same-noise fraction"):
        PatchStream(colour, noise, crop=8, same_noise_fraction=2.0)


def test_remap_tones_is_a_monotone_curve_per_crop_and_channel_within_its_bounds() -> None:
    ramp = torch.arange(256, dtype=torch.uint8).view(1, 1, 1, 256).expand(64, 3, 1, 256).contiguous()
    toned = remap_tones(ramp, torch.Generator().manual_seed(0))
    assert toned.dtype == torch.uint8 and toned.shape == ramp.shape
    assert (toned.diff(dim=-1) >= 0).all()  # a tone curve never reorders grey levels
    assert (toned[..., 0] == 0).all()  # black stays black (x ** gamma, then a gain)
    # Recover each curve's gain and gamma from two mid grey levels where nothing clipped: within the bounds.
    x = torch.tensor([64.0, 128.0]) / 255
    y = toned[..., [64, 128]].to(torch.float64).squeeze(2) / 255
    unclipped = (y > 0.05).all(-1) & (y < 0.95).all(-1)
    gamma = (y[..., 1].log() - y[..., 0].log()) / float(x[1].log() - x[0].log())
    gamma = gamma[unclipped]
    assert unclipped.sum() > 20 and gamma.min() > TONE_GAMMA[0] - 0.1 and gamma.max() < TONE_GAMMA[1] + 0.1
    assert gamma.std() > 0.2  # curves differ between crops and channels
    darkened, saturated = (toned <= 8).float().mean(), (toned >= 247).float().mean()
    assert darkened > (ramp <= 8).float().mean() and saturated > (ramp >= 247).float().mean()
    assert TONE_GAIN[0] < 1 < TONE_GAIN[1]


def test_tone_gain_max_of_one_never_saturates_and_is_validated() -> None:
    ramp = torch.arange(256, dtype=torch.uint8).view(1, 1, 1, 256).expand(64, 3, 1, 256).contiguous()
    capped = remap_tones(ramp, torch.Generator().manual_seed(0), gain_max=1.0)
    assert (capped.diff(dim=-1) >= 0).all()
    # gain <= 1 and gamma >= 0.5: each value at most sqrt(x) on [0, 1], so nothing below 230 reaches 247.
    bound = (ramp.double() / 255).sqrt().mul(255).round()
    assert (capped.double() <= bound).all() and (capped[..., :230] < 247).all()
    wide = remap_tones(ramp, torch.Generator().manual_seed(0), gain_max=TONE_GAIN_MAX_LIMIT)
    assert (wide[..., :230] >= 247).float().mean() > 0.05  # gains above 1 do saturate
    # The default is TONE_GAIN's upper bound: the same draws as before the option existed.
    assert torch.equal(remap_tones(ramp, torch.Generator().manual_seed(0)),
                       remap_tones(ramp, torch.Generator().manual_seed(0), gain_max=TONE_GAIN[1]))
    for bad in (TONE_GAIN[0] - 0.1, TONE_GAIN_MAX_LIMIT + 0.5):
        with pytest.raises(ValueError, match="tone gain max must be between"):
            remap_tones(ramp, torch.Generator().manual_seed(0), gain_max=bad)
        with pytest.raises(ValueError, match="tone gain max must be between"):
            PatchStream(ramp_images(), parse_noise("gaussian:5"), crop=8, tone_fraction=1.0, tone_gain_max=bad)


def test_tone_fraction_remaps_crops_monotonically_and_zero_keeps_the_stream_as_it_was() -> None:
    colour = [torch.stack([image[0], 255 - image[1], image[2] // 2]) for image in ramp_images()]
    noise = parse_noise("gaussian:5")
    plain = PatchStream(colour, noise, crop=8).clean_batch(6, batch_generator(3, 0))
    assert torch.equal(plain, PatchStream(colour, noise, crop=8, tone_fraction=0.0).clean_batch(6, batch_generator(3, 0)))
    toned = PatchStream(colour, noise, crop=8, tone_fraction=1.0).clean_batch(6, batch_generator(3, 0))
    assert not torch.equal(toned, plain)
    # The same crops, each channel put through a non-decreasing curve: sorting by the plain values sorts the toned ones.
    flat_plain, flat_toned = plain.flatten(2).to(torch.int64), toned.flatten(2).to(torch.int64)
    order = flat_plain.argsort(dim=-1, stable=True)
    assert (flat_toned.gather(-1, order).diff(dim=-1) >= 0).all()
    grey = PatchStream(colour, noise, crop=8, tone_fraction=1.0, gray_fraction=1.0).clean_batch(6, batch_generator(3, 0))
    assert torch.equal(grey[:, 0], grey[:, 1]) and torch.equal(grey[:, 1], grey[:, 2])  # greyed after the tones
    with pytest.raises(ValueError, match="tone fraction"):
        PatchStream(colour, noise, crop=8, tone_fraction=-0.1)


def test_noise_normalised_epoch_trains_and_bad_loss_is_refused() -> None:
    from Miniproject_1.others.unet import UNet

    torch.manual_seed(0)
    network = UNet(width=8, depth=2)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    stream = PatchStream(ramp_images(), parse_noise("gaussian:0-50"), crop=16)
    before = [p.detach().clone() for p in network.parameters()]
    cpu = Placement(torch.device("cpu"))
    loss = train_stream_epoch(Learner(network, optimizer), stream, StreamTraining(2, 4, 0, loss="noise-normalised"), 0, cpu)
    assert loss > 0 and any(not torch.equal(a, b) for a, b in zip(before, network.parameters()))
    before = [p.detach().clone() for p in network.parameters()]
    loss = train_stream_epoch(Learner(network, optimizer), stream, StreamTraining(2, 4, 0, loss="std-normalised"), 0, cpu)
    assert loss > 0 and any(not torch.equal(a, b) for a, b in zip(before, network.parameters()))
    with pytest.raises(ValueError, match="loss must be one of"):
        train_stream_epoch(Learner(network, optimizer), stream, StreamTraining(1, 4, 0, loss="l1"), 0, cpu)


@pytest.fixture
def photo_run(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    from tests.mp1_helpers import smooth_images, write_course_files

    photos = tmp_path / "photos"
    for i in range(2):
        write_image(smooth_images(1, size=48, seed=i), photos / f"p{i}.png")
    _, val = write_course_files(tmp_path, pairs=4, val=4)
    common = ["train", "--photos", str(photos), "--val", str(val), "--crop-size", "16", "--steps-per-epoch", "2",
              "--batch-size", "2", "--threads", "1", "--quiet", "--epochs", "1"]
    return tmp_path, val, common


def test_init_starts_from_the_given_weights_and_records_the_stream_options(photo_run) -> None:
    from Miniproject_1.others.checkpoint import load_network, save_atomically
    from Miniproject_1.others.unet import UNet

    tmp_path, _, common = photo_run
    torch.manual_seed(5)
    start = UNet(width=8, depth=2)
    torch.nn.init.normal_(start.tail.weight, std=0.01)  # a start that differs from a fresh network
    save_atomically(start.state_dict(), tmp_path / "start.pth")
    out = tmp_path / "tuned.pth"
    assert main([*common, "--init", str(tmp_path / "start.pth"), "--lr", "1e-12", "--loss", "noise-normalised",
                 "--gray-fraction", "0.25", "--tone-fraction", "0.5", "--out", str(out)]) == 0
    tuned = load_network(out)
    assert tuned.arch() == start.arch()  # read from the weights, no --arch needed
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(tuned.state_dict().values(), start.state_dict().values()))
    last = torch.load(tmp_path / "tuned.last.pth", weights_only=True)
    assert last["stream"]["loss"] == "noise-normalised" and last["stream"]["gray_fraction"] == 0.25
    assert last["stream"]["tone_fraction"] == 0.5
    assert "tone_gain_max" not in last["stream"]  # without the option the settings are as before it existed
    assert "same_noise_fraction" not in last["stream"]
    same = tmp_path / "same.pth"
    assert main([*common, "--init", str(tmp_path / "start.pth"), "--lr", "1e-12", "--gray-fraction", "0.5",
                 "--same-noise-fraction", "0.5", "--out", str(same)]) == 0
    assert torch.load(tmp_path / "same.last.pth", weights_only=True)["stream"]["same_noise_fraction"] == 0.5
    capped = tmp_path / "capped.pth"
    assert main([*common, "--init", str(tmp_path / "start.pth"), "--lr", "1e-12", "--loss", "std-normalised",
                 "--tone-fraction", "0.5", "--tone-gain-max", "1", "--out", str(capped)]) == 0
    last = torch.load(tmp_path / "capped.last.pth", weights_only=True)
    assert last["stream"]["loss"] == "std-normalised" and last["stream"]["tone_gain_max"] == 1.0


def test_keep_epochs_writes_each_epochs_weights_and_never_replaces_an_earlier_runs(photo_run, capsys) -> None:
    from Miniproject_1.others.checkpoint import load_network

    tmp_path, val, common = photo_run
    out = tmp_path / "kept.pth"
    argv = [*common[:-2], "--epochs", "2", "--keep-epochs", "--out", str(out)]
    assert main(argv) == 0
    kept = sorted(path.name for path in tmp_path.glob("kept.epoch*.pth"))
    assert kept == ["kept.epoch001.pth", "kept.epoch002.pth"]
    last = torch.load(tmp_path / "kept.last.pth", weights_only=True)
    second = load_network(tmp_path / "kept.epoch002.pth").state_dict()
    assert all(torch.equal(second[k], v) for k, v in last["model"].items())  # epoch 2's weights are the last ones
    first = load_network(tmp_path / "kept.epoch001.pth").state_dict()
    assert any(not torch.equal(first[k], v) for k, v in last["model"].items())
    (tmp_path / "kept.pth").unlink(), (tmp_path / "kept.last.pth").unlink()
    assert main(argv) == 2  # the earlier run's epoch weights are still there
    assert "kept.epoch001.pth" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert main(["train", "--engine", "scratch", "--data", str(val), "--val", str(val), "--keep-epochs",
                 "--out", str(tmp_path / "s.pth")]) == 2
    assert "--keep-epochs runs on the torch engine" in capsys.readouterr().err


def test_fine_tuning_options_in_the_wrong_place_are_clear_errors(photo_run, capsys) -> None:
    from Miniproject_1.others.checkpoint import save_atomically
    from Miniproject_1.others.unet import UNet

    tmp_path, val, common = photo_run
    save_atomically(UNet(width=8, depth=2).state_dict(), tmp_path / "start.pth")
    out = ["--out", str(tmp_path / "m.pth")]
    cases = [
        ([*common, "--init", str(tmp_path / "start.pth"), "--resume", *out], "use one of them"),
        ([*common, "--init", str(tmp_path / "start.pth"), "--arch", "16x2", *out], "does not match"),
        ([*common, "--init", str(tmp_path / "missing.pth"), *out], "not found"),
        ([*common, "--gray-fraction", "2", *out], "between 0 and 1"),
        ([*common, "--tone-fraction", "-1", *out], "--tone-fraction must be between 0 and 1"),
        ([*common, "--tone-gain-max", "1", *out], "give a --tone-fraction above 0"),
        ([*common, "--same-noise-fraction", "0.5", *out], "give a --gray-fraction above 0"),
        ([*common, "--gray-fraction", "0.5", "--same-noise-fraction", "1.5", *out], "--same-noise-fraction must be between 0 and 1"),
        (["train", "--data", str(val), "--val", str(val), "--same-noise-fraction", "0.5", *out], "--photos only"),
        ([*common, "--tone-fraction", "0.5", "--tone-gain-max", "9", *out], "--tone-gain-max: tone gain max must be between"),
        (["train", "--data", str(val), "--val", str(val), "--tone-gain-max", "1", *out], "--photos only"),
        (["train", "--data", str(val), "--val", str(val), "--tone-fraction", "0.5", *out], "--photos only"),
        (["train", "--data", str(val), "--val", str(val), "--loss", "noise-normalised", *out], "--photos only"),
        (["train", "--engine", "scratch", "--data", str(val), "--val", str(val), "--init", str(tmp_path / "start.pth"), *out],
         "torch engine"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err


def test_ensemble_targets_average_the_teacher_over_the_eight_symmetries() -> None:
    from Miniproject_1.others.unet import UNet
    from n2n.inference.ensemble import SYMMETRIES, self_ensemble, transform, untransform
    from n2n.training.distill import ensemble_targets

    torch.manual_seed(1)
    teacher = UNet(width=8, depth=2)
    torch.nn.init.normal_(teacher.tail.weight, std=0.1)  # not the identity, and not symmetric
    inputs = torch.rand(3, 3, 16, 16)
    targets = ensemble_targets(teacher, inputs)
    with torch.no_grad():
        expected = self_ensemble(teacher)(inputs)  # one transform at a time
        plain = teacher(inputs)
    assert targets.shape == inputs.shape and not targets.requires_grad
    assert torch.allclose(targets, expected, atol=1e-5)
    assert not torch.allclose(targets, plain, atol=1e-4)  # the ensemble is not the plain output
    with pytest.raises(ValueError, match="square crops"):
        ensemble_targets(teacher, torch.rand(1, 3, 16, 8))
    with pytest.raises(ValueError, match="between 1 and 8"):
        ensemble_targets(teacher, inputs, symmetries=0)
    # Two symmetries drawn per crop: each target is the mean of two of the eight transformed outputs, and
    # over many draws the estimate averages to the full ensemble.
    with torch.no_grad():
        members = torch.stack([untransform(teacher(transform(inputs, *sym)), *sym) for sym in SYMMETRIES])
    generator = torch.Generator().manual_seed(0)
    draws = torch.stack([ensemble_targets(teacher, inputs, 2, generator) for _ in range(200)])
    pair_means = {(a, b): (members[a] + members[b]) / 2 for a in range(8) for b in range(8) if a != b}
    for crop in range(3):
        assert all(any(torch.allclose(draw[crop], mean[crop], atol=1e-5) for mean in pair_means.values()) for draw in draws[:10])
    assert (draws.mean(0) - expected).abs().max() < 0.25 * (members - expected).abs().max()
    same = ensemble_targets(teacher, inputs, 2, torch.Generator().manual_seed(0))
    assert torch.equal(same, draws[0])  # the draw follows the generator: a resumed run repeats it


def test_teacher_targets_train_a_student_and_are_recorded(photo_run, capsys) -> None:
    from Miniproject_1.others.checkpoint import save_atomically
    from Miniproject_1.others.unet import UNet

    tmp_path, val, common = photo_run
    torch.manual_seed(2)
    teacher = UNet(width=8, depth=2)
    torch.nn.init.normal_(teacher.tail.weight, std=0.01)
    save_atomically(teacher.state_dict(), tmp_path / "teacher.pth")
    out = tmp_path / "student.pth"
    assert main([*common, "--init", str(tmp_path / "teacher.pth"), "--teacher", str(tmp_path / "teacher.pth"),
                 "--out", str(out)]) == 0
    assert "self-ensemble of" in capsys.readouterr().out
    last = torch.load(tmp_path / "student.last.pth", weights_only=True)
    assert last["stream"]["teacher"] == str(tmp_path / "teacher.pth") and len(last["stream"]["teacher_sha256"]) == 64
    assert last["stream"]["teacher_symmetries"] == 2  # the default draw
    moved = any(not torch.equal(a, b) for a, b in zip(last["model"].values(), teacher.state_dict().values()))
    assert moved  # the student learned from the ensemble targets
    # A changed teacher file stops a resumed run instead of silently distilling another network.
    torch.nn.init.normal_(teacher.tail.weight, std=0.02)
    save_atomically(teacher.state_dict(), tmp_path / "teacher.pth")
    assert main([*common[:-2], "--epochs", "2", "--resume", "--out", str(out)]) == 2
    assert "changed since this run started" in capsys.readouterr().err
    out2 = ["--out", str(tmp_path / "s2.pth")]
    cases = [
        ([*common, "--teacher", str(tmp_path / "missing.pth"), *out2], "--teacher"),
        ([*common, "--teacher-symmetries", "4", *out2], "give --teacher WEIGHTS"),
        ([*common, "--teacher", str(tmp_path / "teacher.pth"), "--teacher-symmetries", "0", *out2], "between 1 and 8"),
        ([*common, "--teacher", str(tmp_path / "teacher.pth"), "--target", "clean", *out2], "drop --target clean"),
        ([*common, "--teacher", str(tmp_path / "teacher.pth"), "--loss", "noise-normalised", *out2], "drop --loss"),
        (["train", "--data", str(val), "--val", str(val), "--teacher", str(tmp_path / "teacher.pth"), *out2], "--photos only"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err
