"""One photo through a denoiser the way ``n2n denoise`` runs it: tiled, then kept grey if it is a grey photo.

Everything that scores or shows a whole photo (``n2n denoise``, ``n2n demo``, ``n2n evaluate --photos``,
the figures) goes through :func:`denoise_photo`, so the numbers are those of the written files.
"""

from __future__ import annotations

import torch

from n2n.inference.denoisers import Denoiser
from n2n.inference.grey import check_mode, project_grey, wants_grey
from n2n.inference.tiling import denoise_tiled


def finish_grey(output: torch.Tensor, noisy: torch.Tensor, grey: str = "auto") -> tuple[torch.Tensor, bool]:
    """``output`` ``(1, 3, H, W)`` of ``noisy`` ``(1, 3, H, W)``, made grey if ``grey`` asks for it
    (:func:`n2n.inference.grey.wants_grey`); returns it (float32) and whether it was made grey."""
    if wants_grey(noisy, grey):
        return project_grey(output), True
    return output.to(torch.float32), False


def denoise_photo(predict: Denoiser, noisy: torch.Tensor, tile: int = 512, overlap: int = 64, desc: str | None = None,
                  grey: str = "auto") -> tuple[torch.Tensor, bool]:
    """Denoise ``noisy`` ``(1, 3, H, W)`` (uint8 or float in [0, 255]) with ``predict`` tile by tile
    (:func:`n2n.inference.tiling.denoise_tiled`); ``grey``: ``"auto"`` (default) makes the output grey when the
    noisy photo shows no colour beyond its noise, ``"yes"`` always, ``"no"`` never.

    Returns float32 ``(1, 3, H, W)`` in about [0, 255] (not yet rounded) and whether it was made grey."""
    grey_output = wants_grey(noisy, grey)  # checks the mode before the (long) denoising
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
