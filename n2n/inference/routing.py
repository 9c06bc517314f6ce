"""n2n's default denoiser: for each photo, the network that was trained for its kind of noise.

The shipped course network (``Miniproject_1/bestmodel.pth``) was trained on noise independent from pixel
to pixel, and keeps noise that neighbouring pixels share (a JPEG saved with 4:2:0 or 4:2:2 chroma, camera
processing) as if it were detail. n2n ships two more networks for such noise, both fine-tuned from the course
network on JPEG-saved and camera noise (``n2n/package_data/weights/``; how they were trained and what they score:
docs/methods/photos-as-saved.md): one on the full range of strengths (``jpeg_camera.pth``), one on weak noise
only (``jpeg_camera_weak.pth``: Gaussian sigma up to 30 then JPEG quality 70-98, and camera noise of every ISO,
which the estimate below reads as weak once developed and saved). A network trained on the full range gives up
detail at weak noise, where JPEG and camera noise look like texture; the weak-noise one keeps more of it (0.85 dB
more at sigma 15 then JPEG quality 90, 4:2:0, on the validation photos).

Each photo goes to one network, chosen once for the whole photo before tiling
(:func:`n2n.inference.photo.denoise_photo` calls :func:`resolve`), so every tile sees the same network:

1. :class:`NoiseRoutedDenoiser`: :func:`n2n.inference.noise_structure.correlated_noise_reason` looks at the photo's
   finest-scale chroma; a photo whose colour noise is shared by neighbouring pixels goes on to step 2, every other
   photo to the course network.
2. :class:`NoiseLevelRoutedDenoiser`: the wavelet noise estimate (:func:`n2n.inference.noise_level.noise_sigma`)
   under :data:`WEAK_NOISE_THRESHOLD` sends the photo to the weak-noise network, else to the full-range one.
"""

from __future__ import annotations

from pathlib import Path

import torch

from n2n.inference.denoisers import Denoiser, miniproject1
from n2n.inference.noise_level import MIN_SIDE, noise_sigma
from n2n.inference.noise_structure import correlated_noise_reason

WEIGHTS = Path(__file__).resolve().parent.parent / "package_data" / "weights"
JPEG_CAMERA_WEIGHTS = WEIGHTS / "jpeg_camera.pth"
JPEG_CAMERA_WEAK_WEIGHTS = WEIGHTS / "jpeg_camera_weak.pth"

# The wavelet estimate (0-255 scale) under which a JPEG or camera photo goes to the weak-noise network. Set from
# training photos only (experiments/jpeg_noise_level.py, results/whole_photos/jpeg_noise_level.json), inside the
# range both networks were trained on: the median estimate of Gaussian sigma 20 then JPEG quality 90, 4:2:0 is 14.0
# (sigma 15: 11.0; 25: 16.9); camera noise then JPEG reads 0.9-8.0 (ISO 100-6400), up to 17 on fine texture, which
# sends a textured photo to the full-range network: the safe side.
WEAK_NOISE_THRESHOLD = 14.0


class Router:
    """A denoiser that sends each whole image to one of ``options`` (denoisers), chosen by :meth:`choose`.

    ``noisy (N, 3, H, W)`` uint8/float in [0, 255] -> float32 ``(N, 3, H, W)``, image by image."""

    options: tuple[Denoiser, ...] = ()

    def choose(self, image: torch.Tensor) -> Denoiser:
        """The denoiser for one whole image ``(1, 3, H, W)`` (or ``(3, H, W)``)."""
        raise NotImplementedError

    def __call__(self, noisy: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.choose(image)(image) for image in noisy.split(1)])


class NoiseRoutedDenoiser(Router):
    """Each image to ``correlated`` when its noise is shared by neighbouring pixels, else to ``independent``."""

    def __init__(self, independent: Denoiser, correlated: Denoiser) -> None:
        self.independent, self.correlated = independent, correlated
        self.options = (independent, correlated)

    def choose(self, image: torch.Tensor) -> Denoiser:
        flat = image[0] if image.dim() == 4 else image
        return self.correlated if correlated_noise_reason(flat) is not None else self.independent


class NoiseLevelRoutedDenoiser(Router):
    """Each image to ``weak`` when its estimated noise level is under ``threshold`` (0-255 scale), else to
    ``strong``, which also gets the images too small for an estimate (under 4 x 4 pixels): it was trained on
    every strength."""

    def __init__(self, weak: Denoiser, strong: Denoiser, threshold: float = WEAK_NOISE_THRESHOLD) -> None:
        if not threshold > 0:
            raise ValueError(f"threshold is a noise level on the 0-255 scale and must be positive, got {threshold!r}")
        self.weak, self.strong, self.threshold = weak, strong, float(threshold)
        self.options = (weak, strong)

    def choose(self, image: torch.Tensor) -> Denoiser:
        whole = image if image.dim() == 4 else image[None]
        if min(whole.shape[-2:]) < MIN_SIDE:  # too small for an estimate
            return self.strong
        return self.weak if noise_sigma(whole.to(torch.float32)) < self.threshold else self.strong


def jpeg_camera(checkpoint: str | Path | None = None, device: str | torch.device | None = None) -> Denoiser:
    """The two networks for JPEG-saved and camera noise, each photo to the one for its noise level; with
    ``checkpoint``, those weights alone."""
    if checkpoint is not None:
        return miniproject1(checkpoint, device=device)
    return NoiseLevelRoutedDenoiser(miniproject1(JPEG_CAMERA_WEAK_WEIGHTS, device=device),
                                    miniproject1(JPEG_CAMERA_WEIGHTS, device=device))


def auto(device: str | torch.device | None = None) -> NoiseRoutedDenoiser:
    """The shipped course network and the JPEG and camera networks, each photo to the one that fits its noise."""
    return NoiseRoutedDenoiser(miniproject1(device=device), jpeg_camera(device=device))


def resolve(predict: Denoiser, image: torch.Tensor) -> Denoiser:
    """The network ``predict`` uses for the whole ``image`` ``(1, 3, H, W)``: its choice, and the choice of that
    choice, while it routes; ``predict`` itself if it does not."""
    while isinstance(predict, Router):
        predict = predict.choose(image)
    return predict


def first_network(predict: Denoiser) -> Denoiser:
    """A router's first option, followed down to a network (all of a router's networks are of one kind)."""
    while isinstance(predict, Router):
        predict = predict.options[0]
    return predict
