"""Black-and-white photos stored as RGB: find them from the noisy photo alone, and keep their output grey.

A grey photo's clean chroma is zero everywhere, so any colour in a denoiser's output is error, and
projecting the output onto the grey axis (each pixel's channel mean in all three channels) can only
lower it: the projection is orthogonal and the clean photo lies on the grey axis. Whether a noisy
photo is grey is a test on its chroma (:func:`opponent`): noise that is independent and identically
distributed across the channels (Gaussian or Poisson, clipped or not) has zero-mean chroma, so in a
grey photo every block's mean chroma is zero up to sampling error. :func:`colour_evidence` is the
largest block mean in standard errors (the noise's standard deviation in the block, read from the
differences of neighbouring pixels, over the root of its pixel count), over blocks of 16, 64 and 256 pixels and the whole photo: a faint tint over a large area
shows at the large scales, a small strongly coloured object at the small ones. Above
:data:`THRESHOLD` standard errors the photo has colour. Under the null hypothesis of a grey photo the
largest of ~100 000 block means of a 12-megapixel photo is about 4.5 standard errors, so a grey photo is
practically never missed; the price is that colour weaker than the threshold (below about 2 grey levels
over a 64-pixel square at sigma 25) is taken for noise. Noise correlated across channels or pixels
(demosaicked camera noise, JPEG chroma subsampling) inflates the block means: such photos are kept in
colour, as without the test.
"""

from __future__ import annotations

import torch

THRESHOLD = 6.0  # standard errors; see the module docstring
BLOCKS = (16, 64, 256)  # block sides in pixels; the whole photo is tested as well
MODES = ("auto", "yes", "no")  # n2n denoise --grey: detect, always project, never project


def opponent(images: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` RGB -> ``(N, 3, H, W)`` luma, red-blue, green-magenta (orthonormal: squared norms kept)."""
    r, g, b = images.unbind(1)
    return torch.stack([(r + g + b) / 3**0.5, (r - b) / 2**0.5, (r - 2 * g + b) / 6**0.5], dim=1)


def _blocks(images: torch.Tensor, block: int | None) -> torch.Tensor:
    """``(N, C, H, W)`` -> ``(N, C, B, block * block)``: the ``block``-sided squares (the whole image for ``None``)."""
    if block is None:
        return images.flatten(2).unsqueeze(2)
    height, width = images.shape[-2] // block * block, images.shape[-1] // block * block
    return images[..., :height, :width].unfold(2, block, block).unfold(3, block, block).flatten(-2).flatten(2, 3)


def _block_evidence(chroma: torch.Tensor, block: int | None) -> float:
    """Largest |mean| / standard error of ``chroma`` ``(N, 2, H, W)`` over ``block``-sided squares (the whole image for ``None``).

    The noise's standard deviation in a block is read from the differences of horizontal neighbours
    (their variance is twice the noise's for white noise), not from the block's spread, which a colour
    pattern inside the block would inflate."""
    steps = chroma[..., 1:] - chroma[..., :-1]
    values, differences = _blocks(chroma[..., :-1], block), _blocks(steps, block)
    mean = values.mean(-1)
    error = differences.std(-1) / (2 * values.shape[-1]) ** 0.5
    # A block of exactly constant chroma has no sampling error: zero chroma is grey, any other colour.
    return float(torch.where(mean == 0, torch.zeros_like(mean), mean.abs() / error.clamp_min(1e-12)).max())


def colour_evidence(image: torch.Tensor) -> float:
    """The strongest sign of colour in ``image`` ``(1, 3, H, W)`` (uint8 or float in [0, 255]): the largest block mean chroma in
    standard errors (see the module docstring); 0 for an exactly grey image."""
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise ValueError(f"expected one RGB image of shape (1, 3, H, W), got {tuple(image.shape)}")
    chroma = opponent(image.to(torch.float64))[:, 1:]
    sides = [block for block in BLOCKS if block < min(image.shape[-2:])]
    return max(_block_evidence(chroma, block) for block in [*sides, None])


def is_grey(image: torch.Tensor, threshold: float = THRESHOLD) -> bool:
    """True when ``image`` ``(1, 3, H, W)`` shows no colour beyond ``threshold`` standard errors of its noise.

    Images under 16 pixels on a side are never called grey (too few pixels to tell colour from noise)."""
    if min(image.shape[-2:]) < BLOCKS[0]:
        return False
    return colour_evidence(image) <= threshold


def project_grey(images: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` -> float32 ``(N, 3, H, W)`` with each pixel's channel mean in all three channels."""
    return images.to(torch.float32).mean(1, keepdim=True).expand(-1, 3, -1, -1).contiguous()


def check_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`MODES`, else ``ValueError`` naming them."""
    if mode not in MODES:
        raise ValueError(f"grey mode must be one of {', '.join(MODES)} (as n2n denoise --grey), got {mode!r}")
    return mode


def wants_grey(noisy: torch.Tensor, mode: str) -> bool:
    """Whether ``mode`` (one of :data:`MODES`) makes the output of ``noisy`` ``(1, 3, H, W)`` grey."""
    return check_mode(mode) == "yes" or (mode == "auto" and is_grey(noisy))
