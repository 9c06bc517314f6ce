"""Where the stand-in's clean photographs come from.

By default: the natural photographs shipped in eight Debian (bookworm) packages (desktop
wallpapers, a jigsaw game's pictures and an image codec's test photo), fetched with
``apt-get download`` + ``dpkg -x`` into a cache folder (no root needed, nothing installed).
The packages also hold drawings and renders; only the files listed in :data:`DEFAULT_PHOTOS`
(checked by eye) are used. Enlightenment's wallpapers are ``.edj`` archives: their photograph
(a plain JPEG inside) is copied out next to the archive on first use (:mod:`n2n.data.edje`).
Licences and attributions: ``data/DATA_LICENSES``.

The default pool has a fixed split (:data:`VALIDATION_PHOTOS`, :func:`split_default_photos`,
:func:`training_photos`, :func:`validation_photos`): the six validation photographs of the
committed ``data/val_*.pkl`` stay the validation photographs however the pool grows, and every
other default photo is for training.

Alternatively any folder of JPEG/PNG photos (searched recursively); such folders are split by a
hash of the photo ids (``n2n.data.build.split_photos``).

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

from n2n.data.edje import extract_largest_jpeg
from n2n.data.images import IMAGE_SUFFIXES
from n2n.paths import work_root

PHOTO_CACHE_ENV = "N2N_PHOTO_CACHE"

_LOMIRI = "usr/share/backgrounds"
_MATE = "usr/share/backgrounds/mate/nature"
_PLASMA = "usr/share/wallpapers/{}/contents/images/2560x1600.jpg"
_ENLIGHTENMENT = "usr/share/enlightenment/data/backgrounds"
_LXQT = "usr/share/lxqt/wallpapers"
_PALAPELI = "usr/share/palapeli/collection"

# package -> photo files inside it. Left out as drawings/renders/composites: lomiri Fossa,
# Painting-Colors, umang, Infinite-Sea (edited composite); all of mate's abstract/ and desktop/;
# plasma's illustrated wallpapers, and Kite (a drawn kite on a sky photo).
# Added later (training only, see VALIDATION_PHOTOS), left out: enlightenment-data's Dunes,
# Flat-Fan, Sunset-Hills, Squiggle* (drawings), Flat-Stone-Pattern and Paper-Flower (textures,
# the stone one 750 px), Mountain, Peaks and Foggy-Trees (heavily darkened, matte-graded, mostly
# flat); lxqt-themes' beam, fog, this-is-not-windows and Valendas (their embedded XMP/IPTC
# metadata says CC BY-NC-SA, which contradicts the package's CC-BY-SA-3.0: licence unclear),
# cloud (strong artificial radial blur and vignette) and the logo/origami/triangle/wave renders;
# palapeli-data's castle-maintenon, cincinnati-bridge and citrus-fruits (short side < 1000 px);
# libjxl-testdata's other files (copies/crops of flower.png, 500 px or smaller crops, charts).
# Packages looked at and not used: ukui-wallpapers, gnome-backgrounds, xfdesktop4-data,
# sway-backgrounds, lomiri-wallpapers, desktop-base, sddm-theme-elarun/maui (renders only);
# gimp-data (splash with a text overlay); digikam-data (one photo without an author or a
# per-file licence); libelementary-data (a snapshot of two people, uncertain provenance);
# tuxpaint-data, kphotoalbum, jigzo-data (photos, but short side < 1000 px).
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
    # .edj archives: the photo used is the largest JPEG inside, copied out to <file>.jpg.
    "enlightenment-data": tuple(
        f"{_ENLIGHTENMENT}/{name}.edj"
        for name in (
            "Bamboo", "God-Rays", "Green-Maple", "Lichen-Branches", "Red-Maple", "Sea-of-Lanterns",
            "Snow-Trees", "Spruce-Needles", "Sunset-Clouds", "White-Flower", "Yellow-Flower",
        )
    ),
    "libjxl-testdata": ("usr/share/libjxl-testdata/jxl/flower/flower.png",),
    "lxqt-themes": tuple(
        f"{_LXQT}/{name}"
        for name in (
            "Butterfly-Kenneth-Wimer.jpg", "after-the-rain.jpg", "appleflower.png", "butterfly.png",
            "drop.png", "flowers.png",
        )
    ),
    "palapeli-data": (f"{_PALAPELI}/european-honey-bee.jpg", f"{_PALAPELI}/panther-chameleon-female.jpg"),
}

# The validation photographs of the default pool: the six that the SHA-256 split of the original
# 37-photo pool chose, from which the committed data/val_*.pkl were cut. Fixed by name so that
# adding photos never moves one between train and val; every other default photo is for training.
VALIDATION_PHOTOS: tuple[str, ...] = (
    "lomiri-wallpapers-16.04/Picture_0B_by_freespace",
    "mate-backgrounds/FreshFlower",
    "mate-backgrounds/Garden",
    "mate-backgrounds/GreenMeadow",
    "mate-backgrounds/TwoWings",
    "plasma-workspace-wallpapers/Grey",
)


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
    """``$N2N_PHOTO_CACHE`` if set, else ``cache/photos`` under :func:`n2n.paths.work_root` (the checkout, else the current folder)."""
    return Path(os.environ.get(PHOTO_CACHE_ENV) or work_root() / "cache" / "photos")


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
            copied_out = path.with_name(path.name + ".jpg")  # an .edj's photograph (a pack holds only this)
            if path.suffix == ".edj" and not path.is_file() and copied_out.is_file():
                path = copied_out
            if not path.is_file():
                raise FileNotFoundError(f"{path}: expected photo missing from {package}; delete {folder} to fetch it again")
            if path.suffix == ".edj":  # the photograph inside, copied out once (same bytes everywhere)
                path = extract_largest_jpeg(path, copied_out)
            photos.append(Photo(default_photo_id(package, file), path))
    return photos, versions


def default_photo_id(package: str, file: str) -> str:
    """The id of a default photo: ``package/name`` (see :data:`DEFAULT_PHOTOS`)."""
    return f"{package}/{_photo_name(file)}"


def default_photo_ids() -> list[str]:
    """The ids of all default photos, in :data:`DEFAULT_PHOTOS` order (nothing is fetched)."""
    return [default_photo_id(package, file) for package, files in DEFAULT_PHOTOS.items() for file in files]


def is_default_pool(photos: list[Photo]) -> bool:
    """Whether every photo is one of the default photos (then :func:`split_default_photos` applies)."""
    ids = set(default_photo_ids())
    return bool(photos) and all(photo.id in ids for photo in photos)


def split_default_photos(photos: list[Photo]) -> tuple[list[Photo], list[Photo]]:
    """Split default photos: those named in :data:`VALIDATION_PHOTOS` are val, all others train.

    Returns ``(train, val)``, each sorted by id. The split does not depend on which other photos
    are in the pool, so growing :data:`DEFAULT_PHOTOS` adds training photos only.
    Raises ``ValueError`` for photos outside the default pool or when either side would be empty.
    """
    if not is_default_pool(photos):
        outside = sorted({photo.id for photo in photos} - set(default_photo_ids()))
        raise ValueError(f"not default photos: {outside[:5]}{' ...' if len(outside) > 5 else ''}")
    val_ids = set(VALIDATION_PHOTOS)
    train = sorted((p for p in photos if p.id not in val_ids), key=lambda p: p.id)
    val = sorted((p for p in photos if p.id in val_ids), key=lambda p: p.id)
    if not train or not val:
        raise ValueError(f"the photos give {len(train)} training and {len(val)} validation photo(s); need both")
    return train, val


def training_photos(cache: str | os.PathLike | None = None, fetch: bool = True) -> list[Photo]:
    """The training photos of the default pool (every default photo not in :data:`VALIDATION_PHOTOS`), sorted by id."""
    return split_default_photos(default_photos(cache, fetch)[0])[0]


def validation_photos(cache: str | os.PathLike | None = None, fetch: bool = True) -> list[Photo]:
    """The six validation photos of the default pool (:data:`VALIDATION_PHOTOS`), sorted by id."""
    return split_default_photos(default_photos(cache, fetch)[0])[1]


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
