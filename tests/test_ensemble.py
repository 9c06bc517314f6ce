"""Self-ensemble over the 8 symmetries of the square."""

from __future__ import annotations

import torch

from n2n.inference.ensemble import SYMMETRIES, self_ensemble, transform, untransform


def test_the_eight_symmetries_are_distinct_and_each_is_undone() -> None:
    image = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).view(2, 3, 4, 5)
    seen = set()
    for turns, flip in SYMMETRIES:
        moved = transform(image, turns, flip)
        seen.add(moved.contiguous().numpy().tobytes() + bytes(moved.shape[-2:]))
        assert torch.equal(untransform(moved, turns, flip), image)
    assert len(seen) == 8


def test_an_equivariant_denoiser_is_unchanged_and_a_position_dependent_one_is_averaged() -> None:
    image = torch.rand(1, 3, 6, 6) * 255
    blur = lambda x: (x + x.roll(1, -1) + x.roll(-1, -1) + x.roll(1, -2) + x.roll(-1, -2)) / 5
    assert torch.allclose(self_ensemble(blur)(image), blur(image), atol=1e-4)
    # A denoiser that adds a ramp along the width: the average of the ramp over all symmetries is flat.
    ramp = lambda x: x + torch.arange(x.shape[-1], dtype=torch.float32)
    out = self_ensemble(ramp)(image)
    assert torch.allclose(out - image, torch.full_like(image, 2.5), atol=1e-4)


def test_non_square_images_keep_their_shape() -> None:
    image = torch.rand(2, 3, 5, 9) * 255
    seen_shapes = []

    def record(x: torch.Tensor) -> torch.Tensor:
        seen_shapes.append(tuple(x.shape))
        return x

    assert torch.allclose(self_ensemble(record)(image), image)
    assert sorted(set(seen_shapes)) == [(2, 3, 5, 9), (2, 3, 9, 5)]


def test_denoise_and_evaluate_with_ensemble(tmp_path, capsys) -> None:
    from n2n.cli import main
    from n2n.data.images import read_image, write_image
    from n2n.inference.denoisers import get
    from n2n.inference.tiling import denoise_tiled
    from tests.mp1_helpers import noisy, smooth_images, write_course_files

    image = noisy(smooth_images(1, size=40)[:, :, :, :29].contiguous())
    write_image(image, tmp_path / "in.png")
    assert main(["denoise", str(tmp_path / "in.png"), "-o", str(tmp_path / "out.png"), "--ensemble"]) == 0
    expected = denoise_tiled(self_ensemble(get("miniproject1")), image).round().clamp(0, 255).to(torch.uint8)
    assert torch.equal(read_image(tmp_path / "out.png"), expected)

    _, val = write_course_files(tmp_path, pairs=2, val=4)
    assert main(["evaluate", "--models", "miniproject1", "--val", str(val), "--ensemble"]) == 0
    table = capsys.readouterr().out
    assert "| miniproject1 |" in table and "| miniproject1 (x8 ensemble) |" in table
