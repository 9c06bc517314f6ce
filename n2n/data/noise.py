"""Noise models that corrupt clean ``uint8`` images, shared by data building, training and benchmarks.

A model draws per-image *parameters* (e.g. the Gaussian sigma) and then the *randomness*
(the noise itself). :meth:`NoiseModel.corrupt_pair` gives the two copies of a Noise2Noise pair
the same parameters but independent randomness. Outputs are clipped to [0, 255] and rounded to
``uint8``. All randomness comes from the ``torch.Generator`` passed in, so a seed fixes the bytes.

Specs understood by :func:`parse_noise`:

- ``gaussian`` (sigma uniform in [5, 50] per image), ``gaussian:25`` (fixed), ``gaussian:10-30``;
- ``poisson`` (photon peak uniform in [10, 60] per image), ``poisson:30``, ``poisson:20-40``;
- ``pixelate`` (block b in {2, 3}, then Gaussian sigma uniform in [0, 15]), ``pixelate:2`` (fixed b);
- ``mixed`` (default): each image draws one of the three defaults above uniformly;
- ``camera`` (Brooks et al.'s unprocessing pipeline: shot and read noise on a Bayer mosaic,
  demosaiced and developed; ISO log-uniform in [100, 6400]), ``camera:800``, ``camera:400-3200``
  (:mod:`n2n.data.camera_noise`);
- ``NOISE,jpeg``: any of the above, then saved as JPEG (quality uniform in [70, 98], chroma 4:2:0
  with probability 0.6, 4:2:2 0.1, 4:4:4 0.3), ``NOISE,jpeg:90``, ``NOISE,jpeg:70-98:420``
  (:mod:`n2n.data.jpeg_noise`);
- ``A+B+...``: each image draws one of the listed specs uniformly, so a repeated spec weighs more
  (``gaussian:0-55+gaussian:0-55+poisson+pixelate``: half Gaussian, a quarter each of the others;
  ``gaussian:0-55+gaussian:0-55,jpeg``: half of it saved as JPEG).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch
import torch.nn.functional as F

Params = dict[str, Any]


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    """``(n,)`` float32 uniform in [low, high] (exactly ``low`` when the range is a point)."""
    return low + (high - low) * torch.rand(n, generator=generator)


def _to_uint8(images: torch.Tensor) -> torch.Tensor:
    return images.clamp(0, 255).round().to(torch.uint8)


def _check_clean(clean: torch.Tensor) -> torch.Tensor:
    """Validate an ``(N, C, H, W)`` batch in [0, 255] and return it as float32."""
    if not isinstance(clean, torch.Tensor) or clean.dim() != 4:
        shape = tuple(clean.shape) if isinstance(clean, torch.Tensor) else type(clean).__name__
        raise ValueError(f"noise models expect an (N, C, H, W) tensor, got {shape}")
    return clean.to(torch.float32)


class NoiseModel(ABC):
    """A corruption applied to ``(N, C, H, W)`` images with values in [0, 255]."""

    name: str = ""
    # Whether a Noise2Noise target of this noise, when the noise is saved as a JPEG, is the saved file rather than
    # the copy before saving (see SavedAsJpeg.apply_target).
    target_is_saved: bool = False

    @abstractmethod
    def sample_params(self, n: int, generator: torch.Generator) -> Params:
        """Draw the per-image parameters of ``n`` images."""

    @abstractmethod
    def apply(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        """Corrupt float32 ``clean (N, C, H, W)`` with the given parameters; returns float32, unclipped."""

    @abstractmethod
    def describe(self) -> dict:
        """The model's name and parameter ranges, JSON-serialisable (for manifests)."""

    def apply_target(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        """The second copy of a pair as a Noise2Noise target, float32 and unclipped: :meth:`apply` unless a model
        knows a less biased copy. Draws the same random numbers as :meth:`apply`."""
        return self.apply(clean, params, generator)

    def corrupt(self, clean: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """One noisy ``uint8 (N, C, H, W)`` copy of ``clean (N, C, H, W)`` (uint8 or float in [0, 255])."""
        clean = _check_clean(clean)
        params = self.sample_params(clean.shape[0], generator)
        return _to_uint8(self.apply(clean, params, generator))

    def corrupt_unclipped(self, clean: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """One noisy copy twice: ``uint8 (N, C, H, W)`` (clipped, rounded: what a photo file holds) and the
        same draw as float32 before clipping and rounding. Draws as the first copy of :meth:`corrupt_pair`."""
        clean = _check_clean(clean)
        params = self.sample_params(clean.shape[0], generator)
        noisy = self.apply(clean, params, generator)
        return _to_uint8(noisy), noisy

    def corrupt_pair(
        self, clean: torch.Tensor, generator: torch.Generator, raw_second: bool = False, saved_targets: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Two ``uint8 (N, C, H, W)`` copies sharing per-image parameters, with independent randomness.

        With ``raw_second`` the second copy is the training target of :meth:`apply_target`, unclipped and
        unrounded (float32): clipping to [0, 255] makes noise that is zero-mean before it biased near black
        and white, and so does saving it as a JPEG; an unbiased target is what the Noise2Noise argument
        assumes. ``saved_targets`` keeps the saved copy as the target instead (still float32), as a user who
        only has JPEG pairs must (and as n2n did before the unsaved targets). The random draws are the same
        either way.
        """
        clean = _check_clean(clean)
        params = self.sample_params(clean.shape[0], generator)
        first = _to_uint8(self.apply(clean, params, generator))
        if raw_second:
            target = self.apply if saved_targets else self.apply_target
            return first, target(clean, params, generator)
        return first, _to_uint8(self.apply(clean, params, generator))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"


class GaussianNoise(NoiseModel):
    """Additive white Gaussian noise, sigma (on the 0-255 scale) uniform in ``sigma`` per image."""

    name = "gaussian"

    def __init__(self, sigma: tuple[float, float] = (5.0, 50.0)):
        self.sigma = (float(sigma[0]), float(sigma[1]))

    def sample_params(self, n: int, generator: torch.Generator) -> Params:
        return {"sigma": _uniform(n, *self.sigma, generator)}

    def apply(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        noise = torch.randn(clean.shape, generator=generator)
        return clean + noise * params["sigma"].view(-1, 1, 1, 1)

    def describe(self) -> dict:
        return {"name": self.name, "sigma": list(self.sigma)}


class PoissonNoise(NoiseModel):
    """Photon (shot) noise: ``Poisson(peak * x / 255) * 255 / peak``, peak uniform in ``peak`` per image.

    ``peak`` is the photon count of a white pixel; lower means noisier.
    """

    name = "poisson"

    def __init__(self, peak: tuple[float, float] = (10.0, 60.0)):
        self.peak = (float(peak[0]), float(peak[1]))

    def sample_params(self, n: int, generator: torch.Generator) -> Params:
        return {"peak": _uniform(n, *self.peak, generator)}

    def apply(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        peak = params["peak"].view(-1, 1, 1, 1)
        photons = torch.poisson(clean / 255.0 * peak, generator=generator)
        return photons * 255.0 / peak

    def describe(self) -> dict:
        return {"name": self.name, "peak": list(self.peak)}


class PixelateNoise(NoiseModel):
    """Block averaging then Gaussian noise.

    Each image is averaged over ``b x b`` blocks (``b`` drawn from ``blocks``) on a grid whose
    phase (offset) is random, upsampled back by repetition, then gets N(0, sigma^2) noise with
    sigma uniform in ``sigma``. ``b`` and sigma are shared by the two copies of a pair; the grid
    phase and the noise are the independent randomness, so the two copies are pixelated on
    different grids.
    """

    name = "pixelate"

    def __init__(self, blocks: tuple[int, ...] = (2, 3), sigma: tuple[float, float] = (0.0, 15.0)):
        self.blocks = tuple(int(b) for b in blocks)
        self.sigma = (float(sigma[0]), float(sigma[1]))

    def sample_params(self, n: int, generator: torch.Generator) -> Params:
        choice = torch.randint(len(self.blocks), (n,), generator=generator)
        return {"block": torch.tensor(self.blocks)[choice], "sigma": _uniform(n, *self.sigma, generator)}

    def apply(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        n = clean.shape[0]
        block = params["block"]
        # One phase per image in [0, b); drawn for every image so the randomness used is fixed by n.
        phase = (torch.rand(n, 2, generator=generator) * block.view(-1, 1)).long()
        out = torch.empty_like(clean)
        for b in sorted(set(block.tolist())):
            for py in range(b):
                for px in range(b):
                    index = ((block == b) & (phase[:, 0] == py) & (phase[:, 1] == px)).nonzero().flatten()
                    if index.numel():
                        out[index] = block_average(clean[index], b, (py, px))
        noise = torch.randn(clean.shape, generator=generator)
        return out + noise * params["sigma"].view(-1, 1, 1, 1)

    def describe(self) -> dict:
        return {"name": self.name, "blocks": list(self.blocks), "sigma": list(self.sigma), "phase": "random per copy"}


def block_average(images: torch.Tensor, block: int, phase: tuple[int, int]) -> torch.Tensor:
    """Average ``images (N, C, H, W)`` over ``block x block`` cells of a grid shifted by ``phase``.

    The grid's cell boundaries fall on rows ``py + k * block`` and columns ``px + k * block``;
    cells cut by the image border average only the pixels inside. Returns ``(N, C, H, W)``.
    """
    n, c, h, w = images.shape
    top = (block - phase[0]) % block
    left = (block - phase[1]) % block
    bottom = (-(h + top)) % block
    right = (-(w + left)) % block
    padding = (left, right, top, bottom)
    padded = F.pad(images, padding)
    weight = F.pad(torch.ones(1, 1, h, w, dtype=images.dtype), padding)
    sums = F.avg_pool2d(padded, block, divisor_override=1)
    counts = F.avg_pool2d(weight, block, divisor_override=1)
    means = (sums / counts).repeat_interleave(block, dim=2).repeat_interleave(block, dim=3)
    return means[:, :, top : top + h, left : left + w]


class MixedNoise(NoiseModel):
    """Each image draws one of ``models`` uniformly, then is corrupted by it (both copies by the same one)."""

    name = "mixed"

    def __init__(self, models: tuple[NoiseModel, ...] | None = None):
        self.models = models if models is not None else (GaussianNoise(), PoissonNoise(), PixelateNoise())

    def sample_params(self, n: int, generator: torch.Generator) -> Params:
        choice = torch.randint(len(self.models), (n,), generator=generator)
        sub = []
        for k, model in enumerate(self.models):
            index = (choice == k).nonzero().flatten()
            sub.append((index, model.sample_params(index.numel(), generator)))
        return {"choice": choice, "sub": sub}

    def apply(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        return self._each(clean, params, generator, target=False)

    def apply_target(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        return self._each(clean, params, generator, target=True)

    def _each(self, clean: torch.Tensor, params: Params, generator: torch.Generator, target: bool) -> torch.Tensor:
        out = torch.empty_like(clean)
        for model, (index, sub_params) in zip(self.models, params["sub"]):
            if index.numel():
                apply = model.apply_target if target else model.apply
                out[index] = apply(clean[index], sub_params, generator)
        return out

    def describe(self) -> dict:
        return {"name": self.name, "choice": "uniform per image", "models": [m.describe() for m in self.models]}


class SavedAsJpeg(NoiseModel):
    """``noise`` then :class:`n2n.data.jpeg_noise.JpegStage`: the noisy image as a JPEG file holds it.

    The JPEG settings (quality, chroma, grid offset) are per-image parameters, shared by the two
    copies of a pair; only ``noise``'s randomness differs between them. Outputs are whole uint8
    values (as float32).

    Training targets (:meth:`apply_target`) skip the save where that removes a bias: rounding, clipping
    and 4:2:0 averaging make the saved copy's mean differ from the clean image (by 28.62 dB PSNR at
    Gaussian sigma 50, quality 90, ``experiments/jpeg_target_bias.py``), while the copy before saving is
    the clean image plus zero-mean noise, the target the Noise2Noise argument asks for. The input stays
    the saved file. Camera noise (``target_is_saved``) keeps the saved target: its developed image is
    biased by demosaicing, and the JPEG's chroma averaging reduces that bias (33.49 against 30.36 dB at
    ISO 800).
    """

    name = "jpeg"

    def __init__(self, noise: NoiseModel, jpeg: Any):
        self.noise = noise
        self.jpeg = jpeg

    def sample_params(self, n: int, generator: torch.Generator) -> Params:
        return {"noise": self.noise.sample_params(n, generator), "jpeg": self.jpeg.sample_params(n, generator)}

    def apply(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        return self.jpeg.apply(self.noise.apply(clean, params["noise"], generator), params["jpeg"])

    def apply_target(self, clean: torch.Tensor, params: Params, generator: torch.Generator) -> torch.Tensor:
        if self.noise.target_is_saved:
            return self.apply(clean, params, generator)
        return self.noise.apply_target(clean, params["noise"], generator)

    def describe(self) -> dict:
        return {"name": "saved_as_jpeg", "noise": self.noise.describe(), "jpeg": self.jpeg.describe()}


def saves_as_jpeg(model: NoiseModel) -> bool:
    """Whether ``model``, or any model of a :class:`MixedNoise`, ends with the JPEG save (:class:`SavedAsJpeg`)."""
    if isinstance(model, MixedNoise):
        return any(saves_as_jpeg(part) for part in model.models)
    return isinstance(model, SavedAsJpeg)


def _camera_noise_class() -> type[NoiseModel]:
    from n2n.data.camera_noise import CameraNoise  # imported here: it builds on NoiseModel

    return CameraNoise


NOISE_MODELS: dict[str, type[NoiseModel]] = {
    "gaussian": GaussianNoise,
    "poisson": PoissonNoise,
    "pixelate": PixelateNoise,
    "mixed": MixedNoise,
}
NOISE_NAMES = (*NOISE_MODELS, "camera")


def parse_range(text: str, spec: str) -> tuple[float, float]:
    """``"25"`` -> (25, 25); ``"10-30"`` -> (10, 30)."""
    try:
        parts = [float(part) for part in text.split("-")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or parts[0] > parts[1] or parts[0] < 0:
        raise ValueError(f"bad noise spec {spec!r}: expected a number or a range low-high after ':'")
    return parts[0], parts[1]


def parse_noise(spec: str) -> NoiseModel:
    """Build a noise model from a spec such as ``mixed``, ``gaussian:25``, ``poisson:10-60``, ``pixelate:2``,
    ``camera:800``, any of them followed by ``,jpeg[:QUALITY][:CHROMA]``, or a ``+``-joined list of
    them (uniform choice per image)."""
    if "+" in spec:
        parts = [part.strip() for part in spec.split("+")]
        if any(not part or part.lower().startswith("mixed") for part in parts):
            raise ValueError(f"bad noise spec {spec!r}: join plain models with '+', e.g. gaussian:0-55+poisson+pixelate")
        return MixedNoise(tuple(parse_noise(part) for part in parts))
    if "," in spec:
        noise_spec, _, stage = spec.partition(",")
        stage_name, _, stage_argument = stage.strip().partition(":")
        if stage_name.lower() != "jpeg" or not noise_spec.strip():
            raise ValueError(f"bad noise spec {spec!r}: after ',' only a jpeg stage may follow a noise, e.g. gaussian:25,jpeg:90:420")
        from n2n.data.jpeg_noise import parse_jpeg

        return SavedAsJpeg(parse_noise(noise_spec), parse_jpeg(stage_argument, spec))
    name, _, argument = spec.strip().partition(":")
    name = name.lower()
    if name == "camera":
        return _camera_noise_class()(iso=parse_range(argument, spec)) if argument else _camera_noise_class()()
    if name == "jpeg":
        raise ValueError(f"bad noise spec {spec!r}: jpeg is a stage after a noise, e.g. gaussian:25,jpeg:90")
    if name not in NOISE_MODELS:
        raise ValueError(f"unknown noise model {name!r} in {spec!r}; choose from {', '.join(NOISE_NAMES)}")
    if not argument:
        return NOISE_MODELS[name]()
    if name == "gaussian":
        return GaussianNoise(sigma=parse_range(argument, spec))
    if name == "poisson":
        low, high = parse_range(argument, spec)
        if low <= 0:
            raise ValueError(f"bad noise spec {spec!r}: the Poisson peak must be positive")
        return PoissonNoise(peak=(low, high))
    if name == "pixelate":
        if not argument.isdigit() or int(argument) < 1:
            raise ValueError(f"bad noise spec {spec!r}: expected a block size such as pixelate:2")
        return PixelateNoise(blocks=(int(argument),))
    raise ValueError(f"bad noise spec {spec!r}: {name} takes no argument")
