"""n2n: Noise2Noise denoising tooling (CLI, data, evaluation, baselines, benchmarks, reports) and a Python API.

``n2n.denoise(image)`` denoises a NumPy array, Pillow image or torch tensor and returns the same kind of
image; ``n2n.load()`` loads a model once for many images (:mod:`n2n.api`). They are imported on first use,
so ``import n2n`` stays light (no torch until then).

The two denoisers live in the course packages ``Miniproject_1`` (PyTorch) and
``Miniproject_2`` (a from-scratch framework); this package builds everything around them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Denoiser", "__version__", "denoise", "load"]

if TYPE_CHECKING:
    from n2n.api import Denoiser, denoise, load


def __getattr__(name: str) -> Any:
    if name in ("denoise", "load", "Denoiser"):
        from n2n import api

        return getattr(api, name)
    raise AttributeError(f"module 'n2n' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
