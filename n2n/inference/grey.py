"""Black-and-white photos stored as RGB: find them from the noisy photo alone, and keep their output grey.

A grey photo's clean chroma is zero everywhere, so any colour in a denoiser's output is error, and
projecting the output onto the grey axis (each pixel's channel mean in all three channels) can only
lower it: the projection is orthogonal and the clean photo lies on the grey axis. Whether a noisy
photo is grey is a test on its chroma (:func:`opponent`): noise that is independent and identically
distributed across the channels (Gaussian or Poisson, clipped or not) has zero-mean chroma, so in a
grey photo every block's mean chroma is zero up to sampling error. :func:`colour_evidence` is the
largest block mean in standard errors (the noise's standard deviation in the block, read from the
differences of neighbouring pixels, over the root of its pixel count), over blocks of 16, 64 and 256
pixels and the whole photo: a faint tint over a large area shows at the large scales, a small
strongly coloured object at the small ones. Above :data:`THRESHOLD` standard errors the photo has
colour. Under the null hypothesis of a grey photo the largest of the ~100 000 block means of a
12-megapixel photo is about 4.5 to 5 standard errors (5.1 measured on uniform noise), so a grey photo
is rarely missed; the price is that colour weaker than the threshold is taken for noise: a tint of
one channel by ``t`` grey levels over a square of side ``L`` is seen when ``t`` exceeds about
``8.5 sigma / L`` (3.3 levels over 64 pixels at sigma 25, 0.8 levels over 256 pixels). Noise
correlated across channels or pixels (demosaicked camera noise, JPEG chroma subsampling) inflates the
block means: such photos are kept in colour, as without the test.
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


def _pool(sums: torch.Tensor, factor: int | None) -> torch.Tensor:
    """``(K, h, w)`` block sums -> sums over ``factor x factor`` groups of blocks (all of them for ``None``)."""
    if factor is None:
        return sums.sum((-2, -1), keepdim=True)
    k, h, w = sums.shape
    h, w = h // factor * factor, w // factor * factor
    return sums[:, :h, :w].reshape(k, h // factor, factor, w // factor, factor).sum((2, 4))


def colour_evidence(image: torch.Tensor) -> float:
    """The strongest sign of colour in ``image`` ``(1, 3, H, W)`` (uint8 or float in [0, 255]): the largest block mean chroma in
    standard errors (see the module docstring); 0 for an exactly grey image.

    The noise's standard deviation in a block is read from the differences of horizontal neighbours
    (their variance is twice the noise's for white noise), not from the block's spread, which a colour
    pattern inside the block would inflate. Sums are taken once over 16-pixel blocks and pooled for the
    larger ones (1.7 s and 0.46 GB for a 12-megapixel photo, measured at one thread on a shared CPU)."""
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise ValueError(f"expected one RGB image of shape (1, 3, H, W), got {tuple(image.shape)}")
    base = BLOCKS[0]
    height, width = image.shape[-2] // base * base, (image.shape[-1] - 1) // base * base
    if height == 0 or width == 0:
        raise ValueError(f"an image needs at least {base} rows and {base + 1} columns to be tested for colour, "
                         f"got {tuple(image.shape)}")
    r, g, b = (image[0, c, :height, : width + 1].to(torch.float32) for c in range(3))
    chroma = torch.stack([(r - b) / 2**0.5, (r - 2 * g + b) / 6**0.5])  # (2, height, width + 1)
    del r, g, b
    steps = chroma[..., 1:] - chroma[..., :-1]
    values = chroma[..., :-1]

    def block_sums(x: torch.Tensor) -> torch.Tensor:  # (2, height, width) -> (2, height / base, width / base), in float64
        return x.reshape(2, height // base, base, width // base, base).sum((2, 4), dtype=torch.float64)

    sums = torch.cat([block_sums(values), block_sums(steps), block_sums(steps * steps)])  # (6, h, w)
    strongest = 0.0
    for factor in [side // base for side in BLOCKS if side < min(image.shape[-2:])] + [None]:
        pooled = _pool(sums, factor)
        s_value, s_step, s_square = pooled[:2], pooled[2:4], pooled[4:]
        n = height * width if factor is None else (base * factor) ** 2  # pixels per block
        mean = s_value / n
        step_variance = ((s_square - s_step * s_step / n) / max(n - 1, 1)).clamp_min(0)
        error = (step_variance / (2 * n)).sqrt()
        # A block of exactly constant chroma has no sampling error: zero chroma is grey, any other colour.
        ratio = torch.where(mean.abs() < 1e-9, torch.zeros_like(mean), mean.abs() / error.clamp_min(1e-12))
        strongest = max(strongest, float(ratio.max()))
    return strongest


def is_grey(image: torch.Tensor, threshold: float = THRESHOLD) -> bool:
    """True when ``image`` ``(1, 3, H, W)`` shows no colour beyond ``threshold`` standard errors of its noise.

    Images under 16 x 17 pixels are never called grey (too few pixels to tell colour from noise)."""
    if image.shape[-2] < BLOCKS[0] or image.shape[-1] <= BLOCKS[0]:
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
