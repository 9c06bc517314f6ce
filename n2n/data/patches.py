"""Training batches cut on the fly from whole photographs, with noise synthesised per batch.

The course data are fixed 32x32 crops; a network that denoises whole photos profits from context
and from never seeing the same noise twice. :class:`PatchStream` keeps the training photos in
memory at several scales (short side :data:`PATCH_SHORT_SIDES`, Lanczos) and draws each batch
afresh: ``batch`` crops of ``crop x crop`` pixels at uniformly random positions of random
(photo, scale) images, one of the 8 symmetries of the square each, then two independently noisy
copies from a noise model of :mod:`n2n.data.noise` (blind: the noise type and level vary per
crop). The input copy is ``uint8`` like a user's photo; the Noise2Noise target is the second copy
*unclipped* (float32, zero-mean noise, see ``NoiseModel.corrupt_pair``); the Noise2Clean control
uses the clean crop as target.

Batch ``k`` depends only on ``(seed, k)``, so a resumed run sees exactly the batches it would have.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import torch
from PIL import Image

from n2n.data.crops import load_scaled, luminance
from n2n.data.noise import NoiseModel
from n2n.data.photos import Photo, default_photos, folder_photos
from n2n.progress import bar

PATCH_SHORT_SIDES = (256, 384, 512, 768)  # 256: the crop sets' detail density; 512: the whole-photo benchmark's
TARGETS = ("noisy", "clean")
JPEG_TARGETS = ("unsaved", "saved")  # Noise2Noise targets of noise saved as JPEG: before the save, or the file


def resolve_training_photos(spec: str) -> list[Photo]:
    """``"default"``: the training split of the default photo pool (fetched on first use); else every
    PNG/JPEG under the folder ``spec`` (all of them train: the user's validation is ``--val``)."""
    if spec == "default":
        from n2n.data.build import split_photos

        return split_photos(default_photos()[0])[0]
    return folder_photos(spec)


def batch_generator(seed: int, step: int, rank: int = 0) -> torch.Generator:
    """An independent generator for batch ``step`` of process ``rank`` of a run seeded ``seed``."""
    digest = hashlib.sha256(f"patches:{seed}:{step}:{rank}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & (2**63 - 1))


def random_symmetries(crops: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each ``(C, h, h)`` crop of ``(N, C, h, h)`` rotated by a random multiple of 90 degrees and maybe flipped."""
    turns, flips = torch.randint(0, 4, (crops.shape[0],), generator=generator), torch.randint(0, 2, (crops.shape[0],), generator=generator)
    out = torch.empty_like(crops)
    for i in range(crops.shape[0]):
        crop = torch.rot90(crops[i], int(turns[i]), (1, 2))
        out[i] = crop.flip(2) if flips[i] else crop
    return out


def _working_scales(photo: Photo, short_sides: Sequence[int]) -> list[torch.Tensor]:
    """``photo`` at each short side it reaches (never upscaled); a smaller photo at its own size."""
    with Image.open(photo.path) as image:
        native = min(image.size)
    return load_scaled(photo, [side for side in short_sides if side <= native] or [native])


# Tone remapping (``tone_fraction``): per crop and channel, x -> gain * x ** gamma on [0, 1], clipped.
# gamma up to 3 turns mid-tones into near-black shadows, gain up to 2 saturates highlights: the regions
# where clipping biases a noisy photo (a clipped copy's mean is not the clean value) and that the
# photo pool, mostly well-exposed wallpapers, rarely shows.
TONE_GAMMA = (0.5, 3.0)
TONE_GAIN = (0.5, 2.0)  # the upper bound is the default of ``tone_gain_max``
TONE_GAIN_MAX_LIMIT = 4.0


def _log_uniform(shape: tuple[int, ...], bounds: tuple[float, float], generator: torch.Generator) -> torch.Tensor:
    low, high = math.log(bounds[0]), math.log(bounds[1])
    return torch.exp(low + (high - low) * torch.rand(shape, generator=generator))


def check_tone_gain_max(gain_max: float) -> float:
    """``gain_max`` as a float, checked to lie in ``[TONE_GAIN[0], TONE_GAIN_MAX_LIMIT]``."""
    if not TONE_GAIN[0] <= gain_max <= TONE_GAIN_MAX_LIMIT:
        raise ValueError(f"tone gain max must be between {TONE_GAIN[0]:g} and {TONE_GAIN_MAX_LIMIT:g}, got {gain_max}")
    return float(gain_max)


def remap_tones(crops: torch.Tensor, generator: torch.Generator, gain_max: float = TONE_GAIN[1]) -> torch.Tensor:
    """``uint8 (N, C, H, W)`` -> the same, each channel of each crop ``255 * clip(gain * (x / 255) ** gamma)``,
    rounded; ``gamma`` log-uniform in :data:`TONE_GAMMA`, ``gain`` log-uniform in ``[TONE_GAIN[0], gain_max]``,
    drawn per crop and channel. A ``gain_max`` of 1 or less never saturates a highlight."""
    shape = (crops.shape[0], crops.shape[1], 1, 1)
    gain_bounds = (TONE_GAIN[0], check_tone_gain_max(gain_max))
    gamma, gain = _log_uniform(shape, TONE_GAMMA, generator), _log_uniform(shape, gain_bounds, generator)
    unit = crops.to(torch.float32) / 255.0
    return (gain * unit.pow(gamma)).clamp(0.0, 1.0).mul(255.0).round().to(torch.uint8)


def to_gray(crops: torch.Tensor) -> torch.Tensor:
    """``uint8 (N, 3, H, W)`` -> the same shape, each channel the rounded luma (ITU-R BT.601 weights)."""
    return luminance(crops).unsqueeze(1).round().clamp(0, 255).to(torch.uint8).expand(-1, 3, -1, -1).contiguous()


class PatchStream:
    """Endless Noise2Noise (or Noise2Clean) batches from whole photographs.

    Args:
        images: ``uint8 (3, H, W)`` tensors (photos at their working scales), each at least ``crop`` px a side.
        noise: the noise model of both copies.
        crop: side of the square crops, pixels.
        target: ``"noisy"`` (Noise2Noise) or ``"clean"`` (Noise2Clean control).
        gray_fraction: share of crops turned grey (luma in all three channels) before the noise: a
            blind network trained on colour photos alone leaves colour noise on grey photos.
        tone_fraction: share of crops whose tones are remapped (:func:`remap_tones`) before the noise
            (and before greying): more shadows and highlights, where clipping biases the noisy input.
        tone_gain_max: the tone curves' largest gain (see :func:`remap_tones`).
        same_noise_fraction: share of the grey crops (all channels equal) whose two noisy copies carry the same
            noise in every channel, as a greyscale file does: the noise of their first channel, copied.
        jpeg_targets: with noise saved as JPEG, ``"unsaved"``: Noise2Noise targets are the copies before the save
            (unbiased, :meth:`n2n.data.noise.SavedAsJpeg.apply_target`); ``"saved"``: the saved files.
    """

    def __init__(self, images: Sequence[torch.Tensor], noise: NoiseModel, crop: int = 96, target: str = "noisy",
                 gray_fraction: float = 0.0, tone_fraction: float = 0.0, tone_gain_max: float = TONE_GAIN[1],
                 same_noise_fraction: float = 0.0, jpeg_targets: str = "unsaved") -> None:
        if crop < 8:
            raise ValueError(f"crop size must be at least 8 px, got {crop}")
        if target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
        if not 0.0 <= gray_fraction <= 1.0:
            raise ValueError(f"gray fraction must be in [0, 1], got {gray_fraction}")
        if not 0.0 <= tone_fraction <= 1.0:
            raise ValueError(f"tone fraction must be in [0, 1], got {tone_fraction}")
        if not 0.0 <= same_noise_fraction <= 1.0:
            raise ValueError(f"same-noise fraction must be in [0, 1], got {same_noise_fraction}")
        if jpeg_targets not in JPEG_TARGETS:
            raise ValueError(f"JPEG targets must be one of {JPEG_TARGETS}, got {jpeg_targets!r}")
        self.jpeg_targets = jpeg_targets
        usable = [image for image in images if min(image.shape[1:]) >= crop]
        if not usable:
            raise ValueError(f"no training photo is at least {crop} px on its short side; use a smaller --crop-size")
        self.images, self.noise, self.crop, self.target = usable, noise, crop, target
        self.gray_fraction, self.tone_fraction = float(gray_fraction), float(tone_fraction)
        self.tone_gain_max = check_tone_gain_max(tone_gain_max)
        self.same_noise_fraction = float(same_noise_fraction)
        # Positions are uniform over all pixels: a (photo, scale) is drawn with weight = its number of crop positions.
        self.weights = torch.tensor([float((im.shape[1] - crop + 1) * (im.shape[2] - crop + 1)) for im in usable], dtype=torch.float64)

    @classmethod
    def from_photos(cls, photos: Sequence[Photo], noise: NoiseModel, crop: int = 96, target: str = "noisy",
                    short_sides: Sequence[int] = PATCH_SHORT_SIDES, gray_fraction: float = 0.0,
                    tone_fraction: float = 0.0, tone_gain_max: float = TONE_GAIN[1],
                    same_noise_fraction: float = 0.0, jpeg_targets: str = "unsaved") -> PatchStream:
        """Load ``photos`` at each of ``short_sides`` (never upscaled) and stream crops from them."""
        if not photos:
            raise ValueError("no training photos given")
        images = [image for photo in bar(photos, desc="loading photos", unit="photo") for image in _working_scales(photo, short_sides)]
        return cls(images, noise, crop, target, gray_fraction, tone_fraction, tone_gain_max, same_noise_fraction, jpeg_targets)

    @property
    def pixels(self) -> int:
        return sum(int(image[0].numel()) for image in self.images)

    def clean_batch(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """``uint8 (batch, 3, crop, crop)`` clean crops."""
        which = torch.multinomial(self.weights, batch, replacement=True, generator=generator)
        crops = torch.empty(batch, 3, self.crop, self.crop, dtype=torch.uint8)
        for i, index in enumerate(which.tolist()):
            image = self.images[index]
            top = int(torch.randint(0, image.shape[1] - self.crop + 1, (1,), generator=generator))
            left = int(torch.randint(0, image.shape[2] - self.crop + 1, (1,), generator=generator))
            crops[i] = image[:, top : top + self.crop, left : left + self.crop]
        crops = random_symmetries(crops, generator)
        if self.tone_fraction > 0:  # like the grey crops below: drawn only then, older streams unchanged
            toned = torch.rand(batch, generator=generator) < self.tone_fraction
            crops[toned] = remap_tones(crops[toned], generator, self.tone_gain_max)
        if self.gray_fraction > 0:  # drawn only then, so that streams without grey crops stay as they were
            gray = torch.rand(batch, generator=generator) < self.gray_fraction
            crops[gray] = to_gray(crops[gray])
        return crops

    def batch(self, batch: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``(inputs uint8, targets float32)``, each ``(batch, 3, crop, crop)`` in [0, 255] (targets unclipped)."""
        clean = self.clean_batch(batch, generator)
        noisy, second = self.noise.corrupt_pair(clean, generator, raw_second=True, saved_targets=self.jpeg_targets == "saved")
        if self.same_noise_fraction > 0:  # drawn only then, so that older streams stay as they were
            grey = (clean[:, 0] == clean[:, 1]).flatten(1).all(1) & (clean[:, 1] == clean[:, 2]).flatten(1).all(1)
            same = grey & (torch.rand(batch, generator=generator) < self.same_noise_fraction)
            noisy[same] = noisy[same][:, :1].expand(-1, 3, -1, -1)
            second[same] = second[same][:, :1].expand(-1, 3, -1, -1)
        return noisy, (second if self.target == "noisy" else clean.float())

    def single_batch(self, batch: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """One noisy copy per crop, ``(uint8, float32 unclipped)`` each ``(batch, 3, crop, crop)``: the uint8
        inputs are those :meth:`batch` gives for the same generator (the second copy is never drawn)."""
        return self.noise.corrupt_unclipped(self.clean_batch(batch, generator), generator)
