"""Optional dependencies ("extras"): a command that needs one says which to install, in one line.

``pip install n2n`` installs the core (torch, numpy, Pillow, tqdm). ``n2n report`` needs the
``report`` extra, the classical baselines need ``baselines``, 16-bit colour PNG and 16-bit or
floating-point colour TIFF need ``formats``, ``n2n serve`` needs ``web``. The packages of an extra are imported
only where they are used; :func:`require` is called first so that a missing one gives
:class:`MissingExtra` (printed by the CLI as ``... pip install 'n2n[report]'``), not a traceback.
"""

from __future__ import annotations

import importlib

EXTRAS: dict[str, tuple[str, ...]] = {
    "report": ("matplotlib", "typst", "pypdf"),
    "baselines": ("skimage", "bm3d"),
    "formats": ("tifffile", "imagecodecs"),
    "web": ("starlette", "uvicorn"),
}


class MissingExtra(ImportError):
    """An optional package is not installed; the message names the extra that provides it."""


def require(extra: str, purpose: str) -> None:
    """Raise :class:`MissingExtra` unless every package of ``extra`` imports; ``purpose`` says what needs it."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(sorted(EXTRAS))}")
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtra(
                f"{purpose} needs the optional package {module!r}: pip install 'n2n[{extra}]'") from None


def available(extra: str) -> bool:
    """True when every package of ``extra`` imports."""
    try:
        require(extra, extra)
    except MissingExtra:
        return False
    return True
