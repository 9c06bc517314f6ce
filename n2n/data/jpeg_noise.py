"""Saving as JPEG, as a stage after any noise model: what most noisy photos went through.

A JPEG file with 4:2:0 chroma (what cameras, phones and Pillow write by default) averages the
chroma over 2 x 2 blocks and quantises the DCT of 8 x 8 blocks, so its noise is no longer
independent from pixel to pixel. :class:`JpegStage` encodes each image with Pillow's libjpeg and
decodes it again; :class:`SavedAsJpeg` puts it after a noise model (spec ``NOISE,jpeg...``).

Per image, shared by the two copies of a pair (the same camera settings): the quality, the chroma
subsampling and the offset of the 8 x 8 (16 x 16 for 4:2:0) block grid, drawn in [0, 16) so that a
network trained on crops sees every grid phase a tile of a whole photo can have. The stage itself
is deterministic: the copies differ only by the noise before it.

Default ranges (the issue's measurement and what cameras write): quality uniform in [70, 98],
chroma 4:2:0 with probability 0.6, 4:2:2 0.1, 4:4:4 0.3.
"""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from n2n.data.noise import parse_range

Params = dict

# Chroma subsampling name -> Pillow's ``subsampling`` argument.
CHROMA = {"444": 0, "422": 1, "420": 2}
DEFAULT_CHROMA_WEIGHTS = {"420": 0.6, "422": 0.1, "444": 0.3}
DEFAULT_QUALITY = (70, 98)
GRID_PERIOD = 16  # the 4:2:0 MCU: every JPEG block grid repeats with this period


def encode_decode(image: torch.Tensor, quality: int, chroma: str) -> torch.Tensor:
    """One ``uint8 (3, H, W)`` image through a JPEG file in memory; returns ``uint8 (3, H, W)``."""
    if chroma not in CHROMA:
        raise ValueError(f"JPEG chroma subsampling must be one of {', '.join(CHROMA)}, got {chroma!r}")
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be in 1-100, got {quality}")
    array = image.permute(1, 2, 0).contiguous().numpy()
    buffer = io.BytesIO()
    Image.fromarray(array, "RGB").save(buffer, "JPEG", quality=int(quality), subsampling=CHROMA[chroma])
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return torch.from_numpy(np.asarray(decoded.convert("RGB")).copy()).permute(2, 0, 1)


class JpegStage:
    """Encode/decode ``(N, 3, H, W)`` images as JPEG with per-image quality, chroma and grid offset.

    ``quality``: (low, high), drawn uniformly as an integer. ``chroma``: name -> weight of the
    subsampling (``420``, ``422``, ``444``); one name fixes it.
    """

    def __init__(self, quality: tuple[int, int] = DEFAULT_QUALITY, chroma: dict[str, float] | None = None):
        low, high = int(quality[0]), int(quality[1])
        if not 1 <= low <= high <= 100:
            raise ValueError(f"JPEG quality range must lie in 1-100 with low <= high, got {quality}")
        chroma = dict(DEFAULT_CHROMA_WEIGHTS if chroma is None else chroma)
        unknown = [name for name in chroma if name not in CHROMA]
        if unknown or not chroma or min(chroma.values()) < 0 or sum(chroma.values()) <= 0:
            raise ValueError(f"JPEG chroma must weigh some of {', '.join(CHROMA)}, got {chroma}")
        self.quality = (low, high)
        self.chroma = chroma

    def sample_params(self, n: int, generator: torch.Generator) -> Params:
        names = list(self.chroma)
        weights = torch.tensor([self.chroma[name] for name in names], dtype=torch.float64)
        quality = torch.randint(self.quality[0], self.quality[1] + 1, (n,), generator=generator)
        choice = torch.multinomial(weights, n, replacement=True, generator=generator) if n else torch.zeros(0, dtype=torch.long)
        offset = torch.randint(0, GRID_PERIOD, (n, 2), generator=generator)
        return {"quality": quality, "chroma": [names[k] for k in choice.tolist()], "offset": offset}

    def apply(self, images: torch.Tensor, params: Params) -> torch.Tensor:
        """``images (N, 3, H, W)`` float in any range -> float32 ``(N, 3, H, W)`` holding the decoded uint8 values.

        Each image is clipped and rounded to uint8 (what is saved), shifted by its grid offset
        (edge pixels repeated), saved and decoded, and cropped back.
        """
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError(f"the JPEG stage takes (N, 3, H, W) colour images, got {tuple(images.shape)}")
        pixels = images.clamp(0, 255).round().to(torch.uint8)
        out = torch.empty(images.shape, dtype=torch.float32)
        h, w = images.shape[-2:]
        for i in range(images.shape[0]):
            top, left = (int(v) for v in params["offset"][i])
            shifted = F.pad(pixels[i : i + 1].float(), (left, 0, top, 0), mode="replicate")[0].to(torch.uint8)
            decoded = encode_decode(shifted, int(params["quality"][i]), params["chroma"][i])
            out[i] = decoded[:, top : top + h, left : left + w].float()
        return out

    def describe(self) -> dict:
        return {"name": "jpeg", "quality": list(self.quality), "chroma": dict(self.chroma),
                "grid_offset": f"uniform in [0, {GRID_PERIOD}) per image"}


def parse_jpeg(argument: str, spec: str) -> JpegStage:
    """``""`` (defaults), ``"90"``, ``"70-98"``, ``"90:420"``, ``":444"`` -> a :class:`JpegStage`."""
    quality_text, _, chroma_text = argument.partition(":")
    quality = DEFAULT_QUALITY
    if quality_text:
        try:
            low, high = parse_range(quality_text, spec)
        except ValueError:
            low = high = 0.5  # not a number: reported below
        if low != int(low) or high != int(high):
            raise ValueError(f"bad noise spec {spec!r}: expected jpeg:QUALITY or jpeg:LOW-HIGH (1-100), then :420, :422 or :444")
        quality = (int(low), int(high))
    chroma = None
    if chroma_text:
        if chroma_text not in CHROMA:
            raise ValueError(f"bad noise spec {spec!r}: JPEG chroma subsampling must be 420, 422 or 444")
        chroma = {chroma_text: 1.0}
    try:
        return JpegStage(quality, chroma)
    except ValueError as error:
        raise ValueError(f"bad noise spec {spec!r}: {error}") from None
