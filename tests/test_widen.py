"""Per-level UNet widths and function-preserving widening (``Miniproject_1.others.widen``, ``n2n train --widen``)."""

from __future__ import annotations

import pytest
import torch

from Miniproject_1.others.checkpoint import load_network, save_atomically
from Miniproject_1.others.unet import UNet, arch_from_state_dict
from Miniproject_1.others.widen import widen_state_dict
from n2n.cli import main
from tests.precision_helpers import prediction_atol
from tests.test_finetune_options import photo_run  # noqa: F401  (fixture)


def trained_like(width: int = 8, depth: int = 2, seed: int = 0) -> UNet:
    """A UNet whose last layer is not zero, so that its output depends on every layer."""
    torch.manual_seed(seed)
    network = UNet(width=width, depth=depth)
    torch.nn.init.normal_(network.tail.weight, std=0.05)
    return network.eval()


def test_per_level_widths_shape_the_convolutions_and_are_read_back() -> None:
    network = UNet(depth=2, widths=(8, 12, 16))
    assert network.width == 8 and network.widths == (8, 12, 16)
    assert network.down[0][0].weight.shape == (12, 8, 3, 3) and network.bottom[0].weight.shape == (16, 16, 3, 3)
    assert network.up[0][0][0].weight.shape == (12, 16 + 12, 3, 3)  # level 1: upsampled level 2, then the skip
    assert network.up[1][0][0].weight.shape == (8, 12 + 8, 3, 3)
    assert network(torch.rand(1, 3, 8, 8)).shape == (1, 3, 8, 8)
    assert arch_from_state_dict(network.state_dict()) == network.arch() == {
        "width": 8, "depth": 2, "channels": 3, "widths": [8, 12, 16]}
    assert UNet(**network.arch()).widths == (8, 12, 16)
    # A uniform network's arch is what it was before widths existed (old checkpoints, resumable runs).
    assert UNet(width=8, depth=2).arch() == {"width": 8, "depth": 2, "channels": 3}
    assert arch_from_state_dict(UNet(depth=2, widths=[8, 8, 8]).state_dict()) == {"width": 8, "depth": 2, "channels": 3}


@pytest.mark.parametrize("widths", [(8, 12), (8, 0, 16), (8, 12.5, 16), (8, True, 16)])
def test_bad_widths_are_refused(widths) -> None:
    with pytest.raises(ValueError, match="3 positive integers"):
        UNet(depth=2, widths=widths)


def test_widening_keeps_the_output_and_the_old_weights() -> None:
    network = trained_like()
    grown_state = widen_state_dict(network.state_dict(), [10, 12, 20], torch.Generator().manual_seed(1))
    grown = UNet(**arch_from_state_dict(grown_state))
    grown.load_state_dict(grown_state)
    assert grown.widths == (10, 12, 20)
    images = torch.rand(2, 3, 16, 24)
    with torch.no_grad():
        assert torch.allclose(grown.eval()(images), network(images), atol=1e-6)  # float rounding: other reduction orders
    # up[0] works at level 1 (8 -> 12 channels); its input is level 2 upsampled (8 -> 20), then the skip (8 -> 12).
    old, new = network.state_dict()["up.0.0.0.weight"], grown_state["up.0.0.0.weight"]
    assert new.shape == (12, 32, 3, 3)
    assert torch.equal(new[:8, :8], old[:, :8]) and torch.equal(new[:8, 20:28], old[:, 8:])  # both old groups in place
    assert new[:8, 8:20].abs().sum() == 0 and new[:8, 28:].abs().sum() == 0  # added inputs reach no old output
    assert new[8:].abs().sum() > 0  # added outputs have fresh kernels
    # Widening again (from non-uniform widths) still keeps the function.
    again = widen_state_dict(grown_state, [10, 16, 24])
    regrown = UNet(depth=2, widths=[10, 16, 24]).eval()
    regrown.load_state_dict(again)
    with torch.no_grad():
        assert torch.allclose(regrown(images), network(images), atol=1e-6)


def test_the_added_channels_are_trainable_from_the_start() -> None:
    network = trained_like()
    grown_state = widen_state_dict(network.state_dict(), [8, 12, 12], torch.Generator().manual_seed(2))
    grown = UNet(depth=2, widths=[8, 12, 12])
    grown.load_state_dict(grown_state)
    images = torch.rand(2, 3, 16, 16)
    ((grown(images) - images.flip(-1)) ** 2).mean().backward()
    # The zero entries that carry added channels into old ones receive a gradient, so training can use them.
    assert grown.up[0][0][0].weight.grad[:8, 8:12].abs().sum() > 0


def test_widening_checks_its_arguments_and_is_seeded() -> None:
    state = trained_like().state_dict()
    with pytest.raises(ValueError, match="cannot narrow"):
        widen_state_dict(state, [8, 6, 8])
    with pytest.raises(ValueError, match="3 positive integers"):
        widen_state_dict(state, [8, 12])
    a = widen_state_dict(state, [8, 12, 12], torch.Generator().manual_seed(3))
    b = widen_state_dict(state, [8, 12, 12], torch.Generator().manual_seed(3))
    assert all(torch.equal(a[key], b[key]) for key in a)


def test_a_widened_checkpoint_loads_from_its_shapes(tmp_path) -> None:
    network = trained_like()
    save_atomically(widen_state_dict(network.state_dict(), [8, 16, 16]), tmp_path / "wide.pth")
    loaded = load_network(tmp_path / "wide.pth").eval()
    assert loaded.widths == (8, 16, 16)
    images = torch.rand(1, 3, 8, 8)
    with torch.no_grad():
        assert torch.allclose(loaded(images), network(images), atol=1e-6)


def test_train_widen_grows_the_init_weights_and_resumes(photo_run, capsys) -> None:  # noqa: F811
    tmp_path, _, common = photo_run
    start = trained_like()
    save_atomically(start.state_dict(), tmp_path / "start.pth")
    out = tmp_path / "wide.pth"
    assert main([*common, "--init", str(tmp_path / "start.pth"), "--widen", "8,12,16", "--lr", "1e-12",
                 "--out", str(out)]) == 0
    tuned = load_network(out)
    assert tuned.widths == (8, 12, 16)
    images = torch.rand(1, 3, 8, 8)
    with torch.no_grad():  # a negligible rate: still the start's function
        assert torch.allclose(tuned.eval()(images), start(images), atol=1e-5)
    last = torch.load(tmp_path / "wide.last.pth", weights_only=True)
    assert last["arch"]["widths"] == [8, 12, 16]
    resume = [*common[:-2], "--epochs", "2", "--resume", "--out", str(out)]
    assert main(resume) == 0
    assert load_network(tmp_path / "wide.last.pth").widths == (8, 12, 16)
    for argv, message in [
        ([*common, "--widen", "8,12,16", "--out", str(tmp_path / "m.pth")], "give them with --init"),
        ([*common, "--init", str(tmp_path / "start.pth"), "--widen", "8;12", "--out", str(tmp_path / "m.pth")],
         "comma-separated"),
        ([*common, "--init", str(tmp_path / "start.pth"), "--widen", "8,4,8", "--out", str(tmp_path / "m.pth")],
         "cannot narrow"),
        ([*common, "--engine", "scratch", "--widen", "8,12,16", "--out", str(tmp_path / "m.pth")], "torch engine"),
    ]:
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err


@pytest.mark.parametrize("arch", [{"width": 8, "depth": 2}, {"depth": 3, "widths": [8, 12, 16, 24]}])
def test_macs_per_pixel_counts_every_convolution(arch) -> None:
    network = UNet(**arch)
    counted = 0

    def count(module, inputs, output) -> None:
        nonlocal counted
        counted += output.numel() * module.in_channels * module.kernel_size[0] * module.kernel_size[1]

    for module in network.modules():
        if isinstance(module, torch.nn.Conv2d):
            module.register_forward_hook(count)
    with torch.no_grad():
        network(torch.zeros(1, 3, 32, 32))
    assert network.macs_per_pixel() == pytest.approx(counted / (32 * 32))


def test_the_course_model_loads_predicts_and_trains_a_widened_checkpoint(tmp_path, precision: str) -> None:
    from Miniproject_1.model import Model

    network = trained_like(depth=2)
    save_atomically(widen_state_dict(network.state_dict(), [8, 12, 16]), tmp_path / "wide.pth")
    model = Model()
    model.load_weights(tmp_path / "wide.pth")
    assert model.network.widths == (8, 12, 16)
    images = torch.randint(0, 256, (4, 3, 12, 20), dtype=torch.uint8)
    with torch.no_grad():
        expected = network(images.float() / 255) * 255
    atol = prediction_atol(precision, model.network, expected, images)
    assert torch.allclose(model.predict(images).cpu(), expected.clamp(0, 255), atol=atol)
    before = {key: value.clone() for key, value in model.network.state_dict().items()}
    model.train(images, images.flip(-1), 1)
    # trained on the widened network (loaded weights: the guard keeps them unless the epoch clearly beats them)
    assert model.history[1]["epoch"] == 1 and model.history[1]["loss"] > 0 and model.network.widths == (8, 12, 16)
    kept = model.history[0]["kept"]
    assert all(torch.equal(before[key], value) for key, value in model.network.state_dict().items()) == kept
