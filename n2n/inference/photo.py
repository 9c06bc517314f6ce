"""One photo through a denoiser the way ``n2n denoise`` runs it: tiled, then kept grey if it is a grey photo.

Everything that scores or shows a whole photo (``n2n denoise``, ``n2n demo``, ``n2n evaluate --photos``,
the figures) goes through :func:`denoise_photo`, so the numbers are those of the written files.
"""

from __future__ import annotations

import torch

from n2n.inference.denoisers import Denoiser
from n2n.inference.grey import check_mode, project_grey, wants_grey
from n2n.inference.routing import resolve
from n2n.inference.tiling import denoise_tiled


def finish_grey(output: torch.Tensor, noisy: torch.Tensor, grey: str = "auto") -> tuple[torch.Tensor, bool]:
    """``output`` ``(1, 3, H, W)`` of ``noisy`` ``(1, 3, H, W)``, made grey if ``grey`` asks for it
    (:func:`n2n.inference.grey.wants_grey`); returns it (float32) and whether it was made grey."""
    if wants_grey(noisy, grey):
        return project_grey(output), True
    return output.to(torch.float32), False


# A greyscale file read as RGB has the same noise in all three channels, which the networks never saw: they
# were trained on noise independent across channels and take what the channels share for detail (a
# greyscale photo came out barely denoised). Shifting the channels by a pixel relative to each other makes
# the noise at each pixel independent across channels, at the price of a one-pixel colour fringe; the
# outputs are shifted back and averaged. These shifts were chosen among three sets on greyed validation photos.
SHIFTS = ((0, 0), (0, 1), (1, 0))  # (down, right) in pixels, per channel


def same_noise_in_all_channels(noisy: torch.Tensor) -> bool:
    """True when the three channels of ``noisy`` ``(1, 3, H, W)`` are identical (a greyscale file read as RGB)."""
    return bool(torch.equal(noisy[:, 0], noisy[:, 1]) and torch.equal(noisy[:, 1], noisy[:, 2]))


def shift(image: torch.Tensor, down: int, right: int) -> torch.Tensor:
    """``(N, C, H, W)`` moved ``down`` rows and ``right`` columns (negative: up, left), edge pixels repeated."""
    height, width = image.shape[-2:]
    rows = (torch.arange(height) - down).clamp(0, height - 1)
    columns = (torch.arange(width) - right).clamp(0, width - 1)
    return image[..., rows, :][..., columns]


def denoise_greyscale(predict: Denoiser, noisy: torch.Tensor, tile: int = 512, overlap: int = 64,
                      desc: str | None = None) -> torch.Tensor:
    """Denoise ``noisy`` ``(1, 3, H, W)`` whose channels are identical: the channels shifted by :data:`SHIFTS`,
    denoised, shifted back and averaged. Returns float32 ``(1, 3, H, W)``, grey."""
    grey = noisy[:, :1].to(torch.float32)
    stacked = torch.cat([shift(grey, down, right) for down, right in SHIFTS], dim=1)
    denoised = denoise_tiled(predict, stacked, tile=tile, overlap=overlap, desc=desc)
    mean = sum(shift(denoised[:, k : k + 1], -down, -right) for k, (down, right) in enumerate(SHIFTS)) / len(SHIFTS)
    return mean.expand(-1, 3, -1, -1).contiguous()


def denoise_photo(predict: Denoiser, noisy: torch.Tensor, tile: int = 512, overlap: int = 64, desc: str | None = None,
                  grey: str = "auto") -> tuple[torch.Tensor, bool]:
    """Denoise ``noisy`` ``(1, 3, H, W)`` (uint8 or float in [0, 255]) with ``predict`` tile by tile
    (:func:`n2n.inference.tiling.denoise_tiled`); ``grey``: ``"auto"`` (default) makes the output grey when the
    noisy photo shows no colour beyond its noise, ``"yes"`` always, ``"no"`` never.

    A photo with the same noise in all channels (a greyscale file) is denoised by :func:`denoise_greyscale`
    unless ``grey`` is ``"no"``.

    A denoiser that routes each photo to one of several networks (:mod:`n2n.inference.routing`) chooses once,
    for the whole photo, before the tiling.

    Returns float32 ``(1, 3, H, W)`` in about [0, 255] (not yet rounded) and whether it was made grey."""
    grey_output = wants_grey(noisy, grey)  # checks the mode before the (long) denoising
    predict = resolve(predict, noisy)
    if grey_output and same_noise_in_all_channels(noisy):
        return denoise_greyscale(predict, noisy, tile=tile, overlap=overlap, desc=desc), True
    denoised = denoise_tiled(predict, noisy, tile=tile, overlap=overlap, desc=desc)
    return (project_grey(denoised) if grey_output else denoised), grey_output


def with_grey_mode(predict: Denoiser, mode: str) -> Denoiser:
    """``predict`` marked to be scored with ``n2n denoise --grey mode`` whatever the evaluation's own mode
    (:func:`n2n.evaluation.whole_photos.evaluate_photos` reads the mark): one table can then show a network
    with and without the grey step."""
    check_mode(mode)

    def marked(images: torch.Tensor) -> torch.Tensor:
        return predict(images)

    marked.grey = mode
    if getattr(predict, "whole_image", False):
        marked.whole_image = True
    return marked
