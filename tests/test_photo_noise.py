"""Noise as photos are saved: the JPEG stage (``NOISE,jpeg``) and camera noise (``camera``)."""

from __future__ import annotations

import pytest
import torch

from n2n.data.camera_noise import BAYER_PHASES, CameraNoise, bayer_masks, demosaic, linear_to_srgb, srgb_to_linear
from n2n.data.jpeg_noise import JpegStage, encode_decode
from n2n.data.noise import SavedAsJpeg, parse_noise


def smooth_images(n: int = 4, size: int = 48) -> torch.Tensor:
    """``float (n, 3, size, size)`` smooth colour ramps in [20, 235]."""
    y, x = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    return torch.stack([torch.stack([20 + (200 - 20 * k) * x, 30 + 180 * y, 40 + (90 - 10 * k) * (x + y)]) for k in range(n)])


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def chroma(images: torch.Tensor) -> torch.Tensor:
    """The two colour-difference planes of ``(N, 3, H, W)``: ``(N, 2, H, W)``."""
    r, g, b = images.unbind(1)
    return torch.stack([b - (r + g + b) / 3, r - (r + g + b) / 3], dim=1)


# ---------------------------------------------------------------------------------------------- specs


def test_specs_parse_into_stages() -> None:
    model = parse_noise("gaussian:25,jpeg:90:420")
    assert isinstance(model, SavedAsJpeg) and model.jpeg.quality == (90, 90) and model.jpeg.chroma == {"420": 1.0}
    assert parse_noise("camera").iso == (100.0, 6400.0) and parse_noise("camera:800").iso == (800.0, 800.0)
    mix = parse_noise("gaussian:0-55+camera,jpeg")
    assert isinstance(mix.models[1], SavedAsJpeg) and isinstance(mix.models[1].noise, CameraNoise)
    assert parse_noise("poisson:30,jpeg:70-98").jpeg.quality == (70, 98)


@pytest.mark.parametrize("spec, words", [
    ("jpeg:90", "a stage after a noise"),
    ("gaussian:25,jpeg:101", "1-100"),
    ("gaussian:25,jpeg:90:411", "420, 422 or 444"),
    ("gaussian:25,blur", "only a jpeg stage"),
    (",jpeg", "only a jpeg stage"),
    ("camera:0-800", "positive"),
    ("gaussian:25,jpeg:x", "jpeg:QUALITY"),
])
def test_bad_specs_say_what_is_wrong(spec: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_noise(spec)


# ------------------------------------------------------------------------------------------------ jpeg


def test_jpeg_stage_matches_pillow_and_is_deterministic() -> None:
    clean = smooth_images(2)
    stage = JpegStage((90, 90), {"420": 1.0})
    params = stage.sample_params(2, generator())
    params["offset"].zero_()
    out = stage.apply(clean, params)
    expected = encode_decode(clean[0].round().to(torch.uint8), 90, "420").float()
    assert torch.equal(out[0], expected)
    assert torch.equal(stage.apply(clean, params), out)
    assert out.dtype == torch.float32 and torch.equal(out, out.round())


def test_jpeg_pair_shares_settings_and_differs_by_the_noise_only() -> None:
    clean = smooth_images(6)
    model = parse_noise("gaussian:20,jpeg")
    first, second = model.corrupt_pair(clean, generator(3), raw_second=True)
    assert first.dtype == torch.uint8 and second.dtype == torch.float32
    assert not torch.equal(first.float(), second)
    params = model.sample_params(6, generator(4))
    assert params["jpeg"]["offset"].shape == (6, 2) and int(params["jpeg"]["offset"].max()) < 16
    assert all(name in ("420", "422", "444") for name in params["jpeg"]["chroma"])
    # Same parameters and same noise draws: the same bytes.
    again = model.apply(clean, params, generator(5))
    assert torch.equal(again, model.apply(clean, params, generator(5)))


def test_jpeg_training_target_skips_the_save_for_pixel_independent_noise() -> None:
    """The target of a Gaussian-then-JPEG pair is the copy before saving (unbiased), drawn with the same random
    numbers as the saved copy; the pair's input stays the saved file."""
    clean = smooth_images(4)
    model = parse_noise("gaussian:20,jpeg:90:420")
    first, target = model.corrupt_pair(clean, generator(3), raw_second=True)
    first_saved, second_saved = model.corrupt_pair(clean, generator(3))
    assert torch.equal(first, first_saved)
    assert not torch.equal(target, target.round())  # never rounded, so never saved
    # Same draws: saving the target gives the second saved copy.
    params = model.sample_params(4, generator(7))
    unsaved = model.apply_target(clean, params, generator(8))
    assert torch.equal(model.jpeg.apply(unsaved, params["jpeg"]), model.apply(clean, params, generator(8)))
    noise = unsaved - clean.float()
    assert abs(float(noise.mean())) < 0.5 and 18 < float(noise.std()) < 22
    assert torch.equal(second_saved, second_saved.round()) and second_saved.dtype == torch.uint8


def test_camera_jpeg_training_target_is_the_saved_file() -> None:
    clean = smooth_images(2)
    model = parse_noise("camera:800,jpeg:90:420")
    params = model.sample_params(2, generator(1))
    assert torch.equal(model.apply_target(clean, params, generator(2)), model.apply(clean, params, generator(2)))


def test_saves_as_jpeg_looks_inside_mixtures() -> None:
    from n2n.data.noise import saves_as_jpeg

    assert saves_as_jpeg(parse_noise("gaussian:20,jpeg")) and saves_as_jpeg(parse_noise("poisson+camera,jpeg:90:420"))
    assert not saves_as_jpeg(parse_noise("mixed")) and not saves_as_jpeg(parse_noise("gaussian:5-50+camera"))


def test_mixed_noise_targets_follow_each_model() -> None:
    clean = smooth_images(6)
    model = parse_noise("gaussian:20,jpeg:90:420+camera:800,jpeg:90:420")
    params = model.sample_params(6, generator(1))
    target = model.apply_target(clean, params, generator(2))
    saved = model.apply(clean, params, generator(2))
    choice = params["choice"]
    assert torch.equal(target[choice == 1], saved[choice == 1])
    assert not torch.equal(target[choice == 0], saved[choice == 0])


def test_420_averages_chroma_noise_over_2x2_blocks() -> None:
    """Chroma noise after 4:2:0 is correlated between horizontal neighbours; after 4:4:4 it is nearly white."""
    clean = torch.full((4, 3, 64, 64), 128.0)
    correlations = {}
    for name in ("420", "444"):
        noisy = parse_noise(f"gaussian:20,jpeg:95:{name}").corrupt(clean, generator(1)).float()
        c = chroma(noisy - clean)
        a, b = c[..., :, 0:-1:2].flatten(), c[..., :, 1::2].flatten()  # neighbours inside a 2x2 block
        correlations[name] = float(torch.corrcoef(torch.stack([a, b]))[0, 1])
    assert correlations["420"] > 0.5 > 0.2 > abs(correlations["444"])


def test_jpeg_stage_checks_its_input() -> None:
    with pytest.raises(ValueError, match="colour images"):
        JpegStage().apply(torch.zeros(1, 1, 16, 16), JpegStage().sample_params(1, generator()))
    with pytest.raises(ValueError, match="quality range"):
        JpegStage((98, 70))


# ---------------------------------------------------------------------------------------------- camera


def test_srgb_curves_invert_each_other() -> None:
    x = torch.linspace(0, 1, 101)
    assert torch.allclose(linear_to_srgb(srgb_to_linear(x)), x, atol=1e-6)


@pytest.mark.parametrize("phase", range(4))
def test_bayer_masks_cover_each_pixel_once(phase: int) -> None:
    masks = bayer_masks(phase, 6, 8)
    assert torch.equal(masks.sum(0), torch.ones(6, 8))
    assert masks[1].sum() == 24 and masks[0].sum() == masks[2].sum() == 12
    assert [int(masks[:, i, j].argmax()) for i in (0, 1) for j in (0, 1)] == list(BAYER_PHASES[phase])


@pytest.mark.parametrize("phase", range(4))
def test_demosaicing_is_exact_on_linear_ramps(phase: int) -> None:
    """Malvar-He-Cutler's filters reproduce any image that is linear in x and y (away from the border)."""
    image = smooth_images(1, 24) / 255
    raw = (image * bayer_masks(phase, 24, 24)).sum(1, keepdim=True)
    restored = demosaic(raw, phase)
    assert torch.allclose(restored[..., 3:-3, 3:-3], image[..., 3:-3, 3:-3], atol=1e-5)


def test_camera_pipeline_without_noise_returns_the_photo() -> None:
    clean = smooth_images(3)
    model = CameraNoise((100, 100))
    params = model.sample_params(3, generator(2))
    params["shot"].zero_()
    params["read"].zero_()
    developed = model.apply(clean, params, generator(3))
    error = (developed - clean)[..., 3:-3, 3:-3].abs()
    # Demosaicing is exact only where linear light is linear in x and y; the sRGB curve bends dark ramps a little.
    assert error.max() < 2 and error.mean() < 0.15


def test_camera_noise_grows_with_iso_and_is_correlated_across_channels() -> None:
    clean = torch.full((4, 3, 48, 48), 110.0)
    spread = {}
    for iso in (200, 800, 3200):
        noisy = parse_noise(f"camera:{iso}").corrupt(clean, generator(iso)).float()
        spread[iso] = float((noisy - clean).std())
        if iso == 3200:
            residual = (noisy - noisy.mean(dim=(2, 3), keepdim=True)).flatten(2)
            red_green = torch.corrcoef(torch.stack([residual[:, 0].flatten(), residual[:, 1].flatten()]))[0, 1]
            right = torch.corrcoef(torch.stack([residual[:, 1, :-1].flatten(), residual[:, 1, 1:].flatten()]))[0, 1]
            assert abs(float(red_green)) > 0.1 and float(right) > 0.1  # not white: demosaicing and the colour matrix
    assert spread[200] < spread[800] < spread[3200]
    assert 2 < spread[800] < 20 < spread[3200] * 2


def test_camera_pair_shares_parameters() -> None:
    clean = smooth_images(2)
    model = parse_noise("camera:400-3200")
    params = model.sample_params(2, generator(7))
    a = model.apply(clean, params, generator(8))
    b = model.apply(clean, params, generator(9))
    assert not torch.equal(a, b)
    assert (a - b).mean().abs() < 2  # same colour matrix and white balance: the same picture under the noise
    assert 400 <= float(params["iso"].min()) and float(params["iso"].max()) <= 3200


def test_camera_noise_checks_its_input() -> None:
    with pytest.raises(ValueError, match="colour images"):
        parse_noise("camera:800").corrupt(torch.zeros(1, 1, 8, 8), generator())
    with pytest.raises(ValueError, match="at least 3 x 3"):
        demosaic(torch.zeros(1, 1, 2, 2), 0)
