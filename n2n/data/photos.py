"""Where the stand-in's clean photographs come from.

By default: the natural photographs shipped in four Debian wallpaper packages, fetched with
``apt-get download`` + ``dpkg -x`` into a cache folder (no root needed, nothing installed).
The packages also hold drawings and renders; only the files listed in :data:`DEFAULT_PHOTOS`
(checked by eye) are used. Licences and attributions: ``data/DATA_LICENSES``.

Alternatively any folder of JPEG/PNG photos (searched recursively).

The sample images bundled with scikit-image, scikit-learn or matplotlib are deliberately never
used here: they are kept for independent evaluation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from n2n.data.images import IMAGE_SUFFIXES

REPO_ROOT = Path(__file__).resolve().parents[2]
PHOTO_CACHE_ENV = "N2N_PHOTO_CACHE"

_LOMIRI = "usr/share/backgrounds"
_MATE = "usr/share/backgrounds/mate/nature"
_PLASMA = "usr/share/wallpapers/{}/contents/images/2560x1600.jpg"

# package -> photo files inside it. Left out as drawings/renders/composites: lomiri Fossa,
# Painting-Colors, umang, Infinite-Sea (edited composite); all of mate's abstract/ and desktop/;
# plasma's illustrated wallpapers, and Kite (a drawn kite on a sky photo).
DEFAULT_PHOTOS: dict[str, tuple[str, ...]] = {
    "lomiri-wallpapers-16.04": tuple(
        f"{_LOMIRI}/{name}.jpg"
        for name in (
            "Bridge_by_Sander_Klootwijk",
            "Dragonfly_by_Bolly",
            "Picture_0B_by_freespace",
            "Picture_1A_by_freespace",
            "Wine_by_Jakkub_Mede",
            "aitzgorri_by_Aitzol_Berasategi",
            "analogpattern_by_Peter_Nerlich",
            "free_by_Peter_Nerlich",
            "friends_by_Aitzol_Berasategi",
            "greentock_by_Peter_Nerlich",
            "life_by_Aitzol_Berasategi",
            "picosdeeuropa_by_Aitzol_Berasategi",
            "seeding_by_Clements_Engelhardt",
            "sunset_by_Aitzol_Berasategi",
        )
    ),
    "lomiri-wallpapers-20.04": (f"{_LOMIRI}/Kleiber_by_Lukas_Baubkus.jpg",),
    "mate-backgrounds": tuple(
        f"{_MATE}/{name}.jpg"
        for name in (
            "Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow",
            "LadyBird", "RainDrops", "Storm", "TwoWings", "Wood", "YellowFlower",
        )
    ),
    "plasma-workspace-wallpapers": tuple(
        _PLASMA.format(name)
        for name in (
            "BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow",
            "FallenLeaf", "Grey", "OneStandsOut", "Path", "summer_1am",
        )
    ),
}


@dataclass(frozen=True)
class Photo:
    """A source photograph: a stable id (used for the split and the manifest) and its file."""

    id: str
    path: Path


def _photo_name(file: str) -> str:
    """``.../wallpapers/Path/contents/images/2560x1600.jpg`` -> ``Path``; other files -> their stem."""
    parts = Path(file).parts
    return parts[3] if parts[:3] == ("usr", "share", "wallpapers") else Path(file).stem


def default_photo_cache() -> Path:
    """``$N2N_PHOTO_CACHE`` if set, else ``cache/photos`` under the repository root."""
    return Path(os.environ.get(PHOTO_CACHE_ENV) or REPO_ROOT / "cache" / "photos")


def _fetch_package(package: str, cache: Path) -> None:
    """Download ``package`` with ``apt-get download`` and unpack it with ``dpkg -x`` into ``cache/package``."""
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise FileNotFoundError(
                f"{tool} not found: the default photos come from Debian packages; use --photos DIR with your own photos"
            )
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=f".{package}.") as temp:
        result = subprocess.run(["apt-get", "download", package], cwd=temp, capture_output=True, text=True)
        debs = list(Path(temp).glob("*.deb"))
        if result.returncode != 0 or len(debs) != 1:
            raise FileNotFoundError(
                f"could not download the Debian package {package} (apt-get download: {result.stderr.strip()[-300:]}); "
                "run 'apt-get update' or use --photos DIR"
            )
        unpacked = Path(temp) / "root"
        subprocess.run(["dpkg", "-x", str(debs[0]), str(unpacked)], check=True, capture_output=True)
        (unpacked / "VERSION").write_text(debs[0].name + "\n")
        os.replace(unpacked, cache / package)  # atomic: a package folder is either complete or absent


def default_photos(cache: str | os.PathLike | None = None, fetch: bool = True) -> tuple[list[Photo], dict[str, str]]:
    """The default photographs, fetching missing packages into ``cache`` when ``fetch``.

    Returns the photos (id ``package/file-stem``) and ``{package: .deb file name}`` for the manifest.
    """
    cache = Path(cache) if cache is not None else default_photo_cache()
    photos, versions = [], {}
    for package, files in DEFAULT_PHOTOS.items():
        folder = cache / package
        if not folder.is_dir():
            if not fetch:
                raise FileNotFoundError(f"{folder}: photo package not in the cache")
            _fetch_package(package, cache)
        version_file = folder / "VERSION"
        versions[package] = unquote(version_file.read_text().strip()) if version_file.is_file() else "unknown"
        for file in files:
            path = folder / file
            if not path.is_file():
                raise FileNotFoundError(f"{path}: expected photo missing from {package}; delete {folder} to fetch it again")
            photos.append(Photo(f"{package}/{_photo_name(file)}", path))
    return photos, versions


def folder_photos(folder: str | os.PathLike) -> list[Photo]:
    """All PNG/JPEG files under ``folder`` (recursively), id = path relative to ``folder``, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such photo folder")
    photos = [
        Photo(path.relative_to(folder).as_posix(), path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if len(photos) < 2:
        raise ValueError(f"{folder}: found {len(photos)} PNG/JPEG photo(s); at least 2 are needed (train and val)")
    return photos
