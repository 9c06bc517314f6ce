"""The Python API: denoise an image held in memory, and get back the same kind of image.

```python
import n2n

clean = n2n.denoise(noisy)             # NumPy array, Pillow image or torch tensor in; the same out
denoiser = n2n.load()                  # the model loaded once, for many images
clean = denoiser(noisy, strength=0.8)  # keep a fifth of the grain
```

``n2n denoise`` (the command) runs every file through :meth:`Denoiser.run`, the same path as these
functions; the command adds only reading and writing the files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

import torch

from n2n.inference import denoisers
from n2n.inference.grey import MODES as GREY_MODES
from n2n.inference.image_types import as_batch, copy_image
from n2n.inference.routing import resolve

Image = TypeVar("Image")
DEFAULT_MODEL = "auto"
MIN_TILE = 16


@dataclass
class Outcome:
    """What :meth:`Denoiser.run` did. ``images``: float32 ``(N, C, H, W)`` in [0, 255]; ``made_grey``: per image,
    whether a colour image was written grey (``grey="auto"`` found no colour beyond the noise); ``adapted``: per
    image, the :class:`n2n.inference.adapt.AdaptedDenoiser` of ``adapt`` (``None`` without it)."""

    images: torch.Tensor
    made_grey: list[bool] = field(default_factory=list)
    adapted: list[Any] = field(default_factory=list)


def adapt_steps(adapt: bool | int) -> int | None:
    """The fine-tuning steps that ``adapt`` asks for: ``False`` none (``None``), ``True`` the default, an int that many."""
    from n2n.inference.adapt import DEFAULT_STEPS

    if adapt is False or adapt is None:
        return None
    if adapt is True:
        return DEFAULT_STEPS
    if not isinstance(adapt, int) or adapt < 1:
        raise ValueError(f"adapt is True, False or a number of fine-tuning steps (at least 1), got {adapt!r}")
    return adapt


def check_options(strength: float = 1.0, tile: int = 512, overlap: int = 64, grey: str = "auto") -> None:
    """``ValueError`` in plain words for a strength outside [0, 1], a tile size under 16 px or not above the overlap,
    or an unknown grey mode."""
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0.0 <= strength <= 1.0:
        raise ValueError(f"the strength must be a number from 0 (the input unchanged) to 1 (fully denoised), got {strength!r}")
    if isinstance(tile, bool) or not isinstance(tile, int) or tile < MIN_TILE:
        raise ValueError(f"the tile size must be a whole number of at least {MIN_TILE} pixels, got {tile!r}")
    if isinstance(overlap, bool) or not isinstance(overlap, int) or not 0 <= overlap < tile:
        raise ValueError(f"the tile overlap must be at least 0 and smaller than the tile size ({tile} px), got {overlap!r}")
    if grey not in GREY_MODES:
        raise ValueError(f"the grey mode must be one of {', '.join(GREY_MODES)}, got {grey!r}")


class Denoiser:
    """A denoiser loaded once (by :func:`load`) for many images: call it like :func:`denoise`.

    Attributes: ``name`` (the shipped model's name or the checkpoint's path), ``predict`` (the network as a
    function from float ``(N, 3, H, W)`` in [0, 255] to the same, as :mod:`n2n.inference.denoisers` builds it).
    """

    def __init__(self, predict: Callable[[torch.Tensor], torch.Tensor], name: str) -> None:
        self.predict, self.name = predict, name

    def __repr__(self) -> str:
        return f"n2n.Denoiser({self.name!r})"

    def __call__(self, image: Image, *, strength: float = 1.0, adapt: bool | int = False, ensemble: bool = False,
                 tile: int = 512, overlap: int = 64, grey: str = "auto") -> Image:
        """Denoise ``image``; the arguments are those of :func:`denoise`."""
        check_options(strength, tile, overlap, grey)
        steps = adapt_steps(adapt)
        batch = as_batch(image)
        if strength == 0:
            return copy_image(image)
        outcome = self.run(batch.images, strength=strength, adapt=steps or False, ensemble=ensemble, tile=tile,
                           overlap=overlap, grey=grey)
        return batch.restore(outcome.images)

    def run(self, images: torch.Tensor, *, strength: float = 1.0, adapt: bool | int = False, ensemble: bool = False,
            tile: int = 512, overlap: int = 64, grey: str = "auto", desc: str | None = None) -> Outcome:
        """Denoise float ``images`` ``(N, C, H, W)`` in [0, 255] (C = 1 grey, 2 grey + alpha, 3 RGB, 4 RGB + alpha).

        Each image goes through :func:`n2n.inference.photo.denoise_photo` (tiles, the grey step; a grey image as a
        greyscale file), after fine-tuning (``adapt``) and with the self-ensemble (``ensemble``) when asked; the
        output is blended with the input by ``strength``; alpha is kept as it is. Returns an :class:`Outcome`."""
        from n2n.inference.ensemble import self_ensemble
        from n2n.inference.photo import denoise_photo

        check_options(strength, tile, overlap, grey)
        steps = adapt_steps(adapt)
        if images.dim() != 4 or not 1 <= images.shape[1] <= 4:
            raise ValueError(f"expected images (N, C, H, W) with C = 1 to 4, got {tuple(images.shape)}")
        if strength == 0:  # the input unchanged: no need to run the network
            return Outcome(images.to(torch.float32).clone(), [False] * len(images), [None] * len(images))
        outcome = Outcome(torch.empty(0))
        outputs = []
        for image in images.split(1):
            colours = 1 if image.shape[1] <= 2 else 3
            colour, alpha = image[:, :colours].to(torch.float32), image[:, colours:]
            rgb = colour.expand(-1, 3, -1, -1).contiguous() if colours == 1 else colour
            used, adapted = resolve(self.predict, rgb), None  # a routing model picks its network for the whole image
            if steps is not None:
                from n2n.inference.adapt import adapt as adapt_to

                adapted = used = adapt_to(used, rgb, steps, desc=None if desc is None else f"adapt {desc}")
            if ensemble:
                used = self_ensemble(used)
            mode = "yes" if colours == 1 and grey != "no" else grey  # a grey image's channels are one: greyscale path
            denoised, made_grey = denoise_photo(used, rgb, tile=tile, overlap=overlap, desc=desc, grey=mode)
            if colours == 1:
                denoised = denoised.mean(1, keepdim=True)
            if strength < 1:
                denoised = torch.lerp(colour, denoised, float(strength))
            outputs.append(torch.cat([denoised, alpha.to(torch.float32)], dim=1))
            outcome.made_grey.append(made_grey and colours == 3)
            outcome.adapted.append(adapted)
        outcome.images = torch.cat(outputs)
        return outcome


def load(path: str | os.PathLike | None = None, *, model: str | None = None,
         device: str | torch.device | None = None) -> Denoiser:
    """Load a denoiser once, for many images.

    Args:
        path: a checkpoint of either Miniproject (as written by ``n2n train``); ``None``: a shipped model.
        model: the shipped model to load when ``path`` is ``None`` (``"miniproject1"``, the default, or
            ``"miniproject2"``); with ``path``, the Miniproject the file must be from (it is read from the file).
        device: ``"cpu"``, ``"cuda"``, ... (default: CUDA when available, else the CPU).

    Returns:
        A :class:`Denoiser`: call it like :func:`denoise`.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: an unknown model name, or a file that is no checkpoint of either Miniproject.
    """
    if path is None:
        name = model or DEFAULT_MODEL
        return Denoiser(denoisers.get(name, device=device), name)
    path = Path(path)
    return Denoiser(denoisers.from_checkpoint(path, model, device=device), str(path))


def _resolve(model: str | os.PathLike | Denoiser, device: str | torch.device | None) -> Denoiser:
    if isinstance(model, Denoiser):
        if device is not None:
            raise ValueError("device applies when a model is loaded: pass it to n2n.load() instead")
        return model
    if isinstance(model, str) and model in denoisers.DENOISERS:
        return load(model=model, device=device)
    if not Path(model).is_file():
        raise FileNotFoundError(f"model {str(model)!r} is neither a shipped model ({', '.join(sorted(denoisers.DENOISERS))}) "
                                "nor a checkpoint file")
    return load(model, device=device)


def denoise(image: Image, *, model: str | os.PathLike | Denoiser = DEFAULT_MODEL, strength: float = 1.0,
            adapt: bool | int = False, ensemble: bool = False, tile: int = 512, device: str | torch.device | None = None,
            overlap: int = 64, grey: str = "auto") -> Image:
    """Denoise an image and return it as the same type, dtype and shape.

    Args:
        image: a NumPy array ``(H, W)`` or ``(H, W, C)``, a torch tensor ``(C, H, W)`` or ``(N, C, H, W)`` (both of
            uint8, uint16, float32 or float64), or a Pillow image (modes L, LA, RGB, RGBA, I;16, I, F).
            C is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGB + alpha); alpha is returned unchanged.
            Integers span their type's range; floats lie in [0, 1] (the scikit-image convention).
        model: ``"auto"`` (the default: the shipped course network, or for noise shared by neighbouring pixels,
            as in a JPEG with chroma subsampling, n2n's network for JPEG and camera noise of its strength),
            ``"miniproject1"``, ``"jpeg-camera"`` (those two networks, picked by noise level), ``"miniproject2"``,
            the path of a checkpoint of either Miniproject, or a :class:`Denoiser` from :func:`load` (the fastest
            for many images).
        strength: from 0 (the input, unchanged) to 1 (fully denoised, the default); in between, the
            denoised image blended with the input, which keeps some of the grain.
        adapt: first fine-tune a copy of the model on the image itself (self-supervised, Noise2Self); ``True``
            for the default 120 steps or a number of steps. The model itself is never changed. Miniproject_1
            models only.
        ensemble: average the model over the 8 flips and quarter turns of each tile: a little better, 8 times
            slower.
        tile: tile size in pixels; larger images are denoised tile by tile with blended overlaps.
        device: where to run the model when it is loaded here (default: CUDA when available, else the CPU).
        overlap: overlap of neighbouring tiles in pixels.
        grey: ``"auto"`` (default) writes a colour image whose noise shows no colour as grey, ``"yes"`` always,
            ``"no"`` never.

    Returns:
        The denoised image, of the same type, dtype, shape (and device, for a tensor) as ``image``. Integer
        images are rounded; float images lie in [0, 1].

    Raises:
        TypeError: ``image`` is not an array, tensor or Pillow image.
        ValueError: an unsupported dtype, shape or mode, floats outside [0, 1], or a bad option.

    Example:
        >>> import numpy as np, n2n
        >>> noisy = np.random.default_rng(0).integers(0, 256, (40, 48, 3), dtype=np.uint8)
        >>> n2n.denoise(noisy).shape
        (40, 48, 3)
    """
    check_options(strength, tile, overlap, grey)
    adapt_steps(adapt)
    as_batch(image)  # a bad image fails before the model is loaded
    if strength == 0:
        return copy_image(image)
    return _resolve(model, device)(image, strength=strength, adapt=adapt, ensemble=ensemble, tile=tile,
                                   overlap=overlap, grey=grey)
