"""A small copy of the default photo pool for a machine that cannot fetch Debian packages.

``n2n data pack-photos --out DIR`` writes every default photo (training and validation) downscaled so
that its short side is at most ``short_side`` (default 768, the largest scale ``n2n train --photos``
holds a photo at), JPEGs re-encoded at quality 95 and PNGs kept lossless, under the same relative paths
as in the photo cache, with each package's ``VERSION``. Enlightenment's ``.edj`` archives are not
copied: their photograph is, as the ``<name>.edj.jpg`` the cache already holds, and
:func:`n2n.data.photos.default_photos` takes that file when the archive is absent. Pointing
``N2N_PHOTO_CACHE`` at ``DIR`` then gives the same photo ids, the same train/validation split and
the same commands (``n2n train --photos``, ``--val-photos``, ``n2n evaluate --photos``) as the full
cache, about a fifth of its size: what a lent GPU machine, which reaches nothing outside, can be given.
Scores measured on a pack differ slightly from the full cache's (a photo's 512 px copy is made from the
768 px one, and JPEG re-encoding), so compare runs on one or the other, not across.
"""

from __future__ import annotations

from pathlib import Path

from n2n.data.images import downscale_to_short_side, open_rgb
from n2n.data.photos import DEFAULT_PHOTOS, default_photo_cache, default_photos
from n2n.fileio import atomic_write, check_writable

DEFAULT_SHORT_SIDE = 768


def pack_default_photos(out: str | Path, short_side: int = DEFAULT_SHORT_SIDE, cache: str | Path | None = None,
                        overwrite: bool = False) -> list[Path]:
    """Write the pack (see the module docstring) into ``out``; return the photo files written.

    ``FileExistsError`` when ``out`` already holds a file of the pack (unless ``overwrite``); ``ValueError``
    for a ``short_side`` below 96 (the training crop size) or ``out`` inside the cache it copies.
    """
    if short_side < 96:
        raise ValueError(f"a short side of {short_side} px is below the 96 px training crops; pass a --short-side of at least 96")
    cache = Path(cache) if cache is not None else default_photo_cache()
    out = Path(out)
    if out.resolve() == cache.resolve() or cache.resolve() in out.resolve().parents:
        raise ValueError(f"{out}: the pack must not be written into the photo cache it copies ({cache}); choose another --out")
    photos, _ = default_photos(cache)
    targets = [out / Path(photo.path).relative_to(cache) for photo in photos]
    versions = [(cache / package / "VERSION", out / package / "VERSION") for package in DEFAULT_PHOTOS]
    for target in [*targets, *(copy for _, copy in versions)]:  # refuse before writing anything
        check_writable(target, overwrite)
    for photo, target in zip(photos, targets):
        image = downscale_to_short_side(open_rgb(photo.path), short_side)
        options = {"format": "PNG", "optimize": True} if target.suffix.lower() == ".png" else {"format": "JPEG", "quality": 95}
        atomic_write(target, lambda file: image.save(file, **options), overwrite)
    for version, copy in versions:
        if version.is_file():
            atomic_write(copy, lambda file: file.write(version.read_bytes()), overwrite)
    return targets
