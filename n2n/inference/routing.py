"""n2n's default denoiser: for each photo, the network that was trained for its kind of noise.

The shipped course network (``Miniproject_1/bestmodel.pth``) was trained on noise independent from pixel
to pixel, and keeps noise that neighbouring pixels share (a JPEG saved with 4:2:0 or 4:2:2 chroma, camera
processing) as if it were detail. n2n ships a second network, fine-tuned from it on JPEG-saved and camera
noise (``n2n/package_data/weights/jpeg_camera.pth``; how it was trained and what it scores:
docs/methods/photos-as-saved.md). It denoises such photos by 5.7-11.3 dB more (JPEG at sigma 15-50; 1.5-3.5 dB
on camera noise), but loses 1.3-1.8 dB on the noise the course network was trained for, so each photo goes to one of
them: :func:`n2n.inference.noise_structure.correlated_noise_reason` looks at the photo's finest-scale
chroma, and a photo whose colour noise is shared by neighbouring pixels goes to the JPEG and camera
network. The choice is made once per whole photo, before tiling (:func:`n2n.inference.photo.denoise_photo`
calls :meth:`NoiseRoutedDenoiser.choose`), so every tile of a photo sees the same network.
"""

from __future__ import annotations

from pathlib import Path

import torch

from n2n.inference.denoisers import Denoiser, miniproject1
from n2n.inference.noise_structure import correlated_noise_reason

JPEG_CAMERA_WEIGHTS = Path(__file__).resolve().parent.parent / "package_data" / "weights" / "jpeg_camera.pth"


class NoiseRoutedDenoiser:
    """``noisy (N, 3, H, W)`` uint8/float in [0, 255] -> float32 ``(N, 3, H, W)``: each image denoised by
    ``correlated`` when its noise is shared by neighbouring pixels, else by ``independent``."""

    def __init__(self, independent: Denoiser, correlated: Denoiser) -> None:
        self.independent, self.correlated = independent, correlated

    def choose(self, image: torch.Tensor) -> Denoiser:
        """The denoiser for one whole image ``(1, 3, H, W)`` (or ``(3, H, W)``)."""
        flat = image[0] if image.dim() == 4 else image
        return self.correlated if correlated_noise_reason(flat) is not None else self.independent

    def __call__(self, noisy: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.choose(image)(image) for image in noisy.split(1)])


def jpeg_camera(checkpoint: str | Path | None = None, device: str | torch.device | None = None) -> Denoiser:
    """The network for JPEG-saved and camera noise alone (``checkpoint``: other weights of the same kind)."""
    return miniproject1(JPEG_CAMERA_WEIGHTS if checkpoint is None else checkpoint, device=device)


def auto(device: str | torch.device | None = None) -> NoiseRoutedDenoiser:
    """The shipped course network and the JPEG and camera network, each photo to the one that fits its noise."""
    return NoiseRoutedDenoiser(miniproject1(device=device), jpeg_camera(device=device))


def resolve(predict: Denoiser, image: torch.Tensor) -> Denoiser:
    """``predict``'s choice for the whole ``image`` ``(1, 3, H, W)`` if it routes, else ``predict`` itself."""
    choose = getattr(predict, "choose", None)
    return choose(image) if callable(choose) else predict

