"""n2n.inference.tiling: tiled denoising matches whole-image denoising, weights blend to one."""

from __future__ import annotations

import pytest
import torch

from Miniproject_1.others.inference import denoise
from Miniproject_1.others.unet import UNet
from n2n.inference.tiling import _ramp, denoise_tiled, tiles
from tests.mp1_helpers import noisy, smooth_images
from tests.precision_helpers import bfloat16_error_bound


def test_tiled_output_equals_untiled_output(precision: str) -> None:
    torch.manual_seed(0)
    network = UNet(width=16, depth=2)
    torch.nn.init.normal_(network.tail.weight, std=0.05)  # not the identity
    predict = lambda x: denoise(network, x, torch.device("cpu"), network.multiple)  # noqa: E731
    image = noisy(smooth_images(1, size=200)[:, :, :, :164].contiguous(), seed=5)
    whole = predict(image)
    tiled = denoise_tiled(predict, image, tile=96, overlap=48)
    # 0.05: what the network's context beyond the overlap changes; under bfloat16 both outputs may also lie within
    # the rounding bound of the float32 one.
    rounding = 0.0 if precision == "float32" else 2 * bfloat16_error_bound(network, whole - image.float())
    assert (whole - tiled).abs().max() < 0.05 + rounding


def test_overlap_weights_sum_to_one() -> None:
    end, start = _ramp(64, 64, False, True), _ramp(64, 64, True, False)
    torch.testing.assert_close(end + start, torch.ones(64), atol=1e-5, rtol=0)


@pytest.mark.parametrize("height, width", [(1, 1), (100, 37), (513, 1025)])
def test_tiles_cover_the_image(height: int, width: int) -> None:
    covered = torch.zeros(height, width, dtype=torch.int32)
    for top, left, h, w in tiles(height, width, 128, 32):
        covered[top : top + h, left : left + w] += 1
    assert bool((covered >= 1).all())


def test_tiling_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="overlap"):
        denoise_tiled(lambda x: x, torch.zeros(1, 3, 8, 8), tile=8, overlap=8)
    with pytest.raises(ValueError, match="one image"):
        denoise_tiled(lambda x: x, torch.zeros(2, 3, 8, 8))
