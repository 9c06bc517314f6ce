"""Whole-photo evaluation: denoisers on entire photographs with synthetic Gaussian noise, beside BM3D.

The crop tables (:mod:`n2n.evaluation.evaluate`) score 32x32 validation crops; users denoise whole
photographs. This module scores whole photos (``n2n evaluate --photos [DIR]``):

- **Photos.** By default the 6 held-out validation photographs of the default pool (ids in
  ``data/manifest.json`` -> ``splits`` -> ``val``, files from :func:`n2n.data.photos.default_photos`,
  which fetches the Debian wallpaper packages into ``cache/photos`` on first use); or every PNG/JPEG
  file under a folder (:func:`folder_images`).
- **Preparation** (:func:`prepare_photo`). Each photo is converted to RGB (greyscale copied to the
  3 channels, alpha dropped, EXIF orientation applied, as :mod:`n2n.data.images` reads images) and
  downscaled with Pillow's antialiased Lanczos filter so that its *short* side is ``size`` px
  (default 512, like Kodak's 768x512; ``size=0`` keeps the native size; a photo already smaller is
  never upscaled). Why downscale: the wallpapers are JPEGs of 1280x1024 to about 2560x1600 px whose
  own compression artifacts and sensor noise would otherwise sit in the "clean" reference, and
  scoring a denoiser against noise it should have removed rewards copying that noise; downscaling
  2-3x averages it away, and it keeps BM3D affordable (its cost grows with the pixel count).
  Height and width are then centre-cropped to multiples of 8 (at most 7 pixels) so that every
  network accepts them without padding. The clean image is ``uint8 (1, 3, H, W)``.
- **Noise** (:func:`noisy_copy`). Gaussian noise of standard deviation ``sigma`` (0-255 scale;
  15, 25, 50 by default) from the project's noise registry (``parse_noise("gaussian:SIGMA")``:
  clipped to [0, 255] and rounded to uint8, like the course data). The ``torch.Generator`` is seeded
  from a SHA-256 of (photo id, sigma, seed) (:func:`noise_seed`), so a photo's noisy copy never
  depends on which other photos or sigmas are evaluated, nor in which order.
- **Scores.** Whole-image PSNR (:func:`n2n.metrics.psnr`: one image on [0, 1], ``-10 log10(MSE)``)
  per photo, and its mean over photos per sigma (:func:`mean_rows`). Networks run through
  :func:`n2n.inference.photo.denoise_photo` (512 px tiles, bounded memory; the output of a photo that
  shows no colour beyond its noise made grey, unless ``grey="no"``) and every output is rounded and
  clipped to uint8 before scoring, as ``n2n denoise`` writes it: that is what a user gets. Seconds
  per photo are recorded.
- **Baselines** (:data:`BASELINES`): the noisy input itself, BM3D given the true sigma
  (``bm3d.bm3d_rgb`` through :func:`n2n.evaluation.baselines.bm3d`) and optionally NL-means given
  the true sigma, run on the whole image (not tiled). BM3D takes tens of seconds per photo, so each
  baseline score is cached as one small JSON file under ``cache/whole_photos/`` keyed by
  (baseline, photo id, SHA-256 of the source file, size, sigma, noise seed, package version), and
  a second run reuses it. Scores recorded with the same key in the committed ``results/`` files count
  as cached too (:mod:`n2n.evaluation.recorded_scores`), so a fresh checkout does not re-run BM3D.
  The optional packages are imported only when a baseline is used; a
  missing one raises :class:`BaselineUnavailable` (``... pip install 'n2n[baselines]'``) or, with
  ``missing="skip"``, is reported in one line and left out.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import torch
from PIL import Image

from n2n.data.images import IMAGE_SUFFIXES, downscale_to_short_side, open_rgb
from n2n.data.camera_noise import CameraNoise
from n2n.data.noise import GaussianNoise, NoiseModel, PoissonNoise, SavedAsJpeg, parse_noise
from n2n.evaluation.recorded_scores import canonical, recorded_scores, score_key
from n2n.extras import MissingExtra
from n2n.fileio import atomic_write_text, file_sha256
from n2n.inference.grey import check_mode
from n2n.inference.photo import denoise_photo, finish_grey
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT, work_root
from n2n.progress import bar

Denoiser = Callable[[torch.Tensor], torch.Tensor]

DEFAULT_SIGMAS = (15.0, 25.0, 50.0)
DEFAULT_SIZE = 512
MIN_SIZE = 16
MULTIPLE = 8
MANIFEST = REPO_ROOT / "data" / "manifest.json"
RESULTS_DIR = REPO_ROOT / "results"  # committed results files whose baseline scores count as cached
NOISY_INPUT = "noisy input"
# Part of every cache key: change it when the preparation or the noise changes meaning.
PREPARATION = "rgb/lanczos-short-side/centre-crop-8/gaussian-uint8/v1"


class BaselineUnavailable(MissingExtra):
    """A baseline's optional package is not installed; the message says ``pip install 'n2n[baselines]'``."""


# ---------------------------------------------------------------------------------------------- photos


@dataclass(frozen=True)
class PhotoFile:
    """A source photograph: a stable id (used for the noise seed and the cache) and its file."""

    id: str
    path: Path


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready for evaluation: ``clean`` is ``uint8 (1, 3, H, W)``, H and W multiples of 8."""

    id: str
    path: Path
    sha256: str
    native_size: tuple[int, int]  # (width, height) of the source file, after the EXIF orientation
    size: int  # the requested short side (0: native)
    clean: torch.Tensor

    def describe(self) -> dict:
        return {"id": self.id, "path": str(self.path), "sha256": self.sha256,
                "native_width": self.native_size[0], "native_height": self.native_size[1],
                "height": int(self.clean.shape[2]), "width": int(self.clean.shape[3])}


def folder_images(folder: str | os.PathLike) -> list[PhotoFile]:
    """Every PNG/JPEG file under ``folder`` (recursively), id = path relative to ``folder``, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder; pass --photos DIR with an existing folder of PNG/JPEG "
                                "images, or --photos alone for the validation photographs")
    photos = [PhotoFile(path.relative_to(folder).as_posix(), path) for path in sorted(folder.rglob("*"))
              if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES]
    if not photos:
        raise ValueError(f"{folder}: no PNG/JPEG images found (looked for {', '.join(sorted(IMAGE_SUFFIXES))}); "
                         "pass a folder that holds some")
    return photos


def validation_photo_ids(manifest: str | os.PathLike = MANIFEST) -> list[str]:
    """The ids of the held-out validation photos: ``manifest.json`` -> ``splits`` -> ``val``."""
    manifest = Path(manifest)
    if not manifest.is_file():
        raise FileNotFoundError(f"{manifest}: no data manifest, so the validation photos are unknown; "
                                "run from a checkout of the repository or pass --photos DIR")
    try:
        ids = json.loads(manifest.read_text())["splits"]["val"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{manifest}: no splits/val list of photo ids ({error}); "
                         "recreate it with `n2n data build --out data --pairs 0 --force`") from error
    if not ids:
        raise ValueError(f"{manifest}: the validation split is empty; pass --photos DIR")
    return list(ids)


def validation_photos(manifest: str | os.PathLike = MANIFEST, cache: str | os.PathLike | None = None) -> list[PhotoFile]:
    """The validation photographs of the default pool, in manifest order (fetched into ``cache/photos`` if needed)."""
    from n2n.data.photos import default_photos

    ids = validation_photo_ids(manifest)
    found = default_photos(cache) if cache is not None else default_photos()
    pool = found[0] if isinstance(found, tuple) else found  # (photos, package versions)
    by_id = {photo.id: Path(photo.path) for photo in pool}
    missing = [photo_id for photo_id in ids if photo_id not in by_id]
    if missing:
        raise ValueError(f"validation photo(s) {', '.join(missing)} of {manifest} are not in the default photo pool; "
                         "rebuild the data set (`n2n data build`) or pass --photos DIR")
    return [PhotoFile(photo_id, by_id[photo_id]) for photo_id in ids]


def check_size(size: int) -> int:
    """``size`` (short side in px) must be 0 (native) or at least :data:`MIN_SIZE`."""
    if isinstance(size, bool) or not isinstance(size, int) or (size != 0 and size < MIN_SIZE):
        raise ValueError(f"photo size must be 0 (native size) or an integer >= {MIN_SIZE} px, got {size!r}; "
                         f"use e.g. --photo-size {DEFAULT_SIZE}")
    return size


def check_sigmas(sigmas: Iterable[float]) -> tuple[float, ...]:
    """Noise levels (0-255 scale): positive, finite, no duplicates, at least one."""
    result = []
    for sigma in sigmas:
        value = float(sigma)
        if not value > 0 or value == float("inf"):
            raise ValueError(f"noise sigma must be a positive number on the 0-255 scale, got {sigma!r}; "
                             "use e.g. --sigmas 15 25 50")
        if value not in result:
            result.append(value)
    if not result:
        raise ValueError("no noise sigma given; use e.g. --sigmas 15 25 50")
    return tuple(result)


def _resized(image: Image.Image, size: int) -> Image.Image:
    """Lanczos-downscale so the short side is ``size`` (no upscaling; ``size=0``: unchanged)."""
    return image if size == 0 else downscale_to_short_side(image, size)


def prepare_photo(photo: PhotoFile, size: int = DEFAULT_SIZE) -> PreparedPhoto:
    """Read, convert to RGB, downscale (short side ``size``) and centre-crop to multiples of 8 (see the module doc)."""
    check_size(size)
    path = Path(photo.path)
    rgb = open_rgb(path)
    native = rgb.size
    resized = _resized(rgb, size)
    width, height = resized.size
    if min(width, height) < MIN_SIZE:
        raise ValueError(f"{path}: {width}x{height} px is too small to evaluate (short side < {MIN_SIZE} px); "
                         "remove it from the folder")
    top, left = (height % MULTIPLE) // 2, (width % MULTIPLE) // 2
    cropped = resized.crop((left, top, left + width - width % MULTIPLE, top + height - height % MULTIPLE))
    clean = torch.from_numpy(np.array(cropped, dtype=np.uint8)).permute(2, 0, 1).unsqueeze(0).contiguous()
    return PreparedPhoto(photo.id, path, file_sha256(path), native, size, clean)


# ----------------------------------------------------------------------------------------------- noise


def noise_seed(photo_id: str, column: float | str, seed: int = 0) -> int:
    """A 63-bit generator seed from the SHA-256 of (photo id, sigma or noise spec, seed): independent of anything else."""
    text = json.dumps([str(photo_id), column if isinstance(column, str) else float(column), int(seed)])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") & (2**63 - 1)


def noisy_copy(photo: PreparedPhoto, column: float | str, seed: int = 0) -> torch.Tensor:
    """``uint8 (1, 3, H, W)``: ``photo.clean`` with Gaussian noise of sigma ``column`` (a number) or the noise of
    spec ``column`` (a string such as ``camera:800,jpeg:90:420``), clipped and rounded; deterministic."""
    generator = torch.Generator().manual_seed(noise_seed(photo.id, column, seed))
    spec = column if isinstance(column, str) else f"gaussian:{float(column)!r}"
    return parse_noise(spec).corrupt(photo.clean, generator)


def check_noises(noises: Iterable[str]) -> tuple[str, ...]:
    """Noise specs as columns: each must parse (:func:`n2n.data.noise.parse_noise`) and be fixed per photo.

    A spec whose parameters are drawn from ranges (``gaussian:10-30``, ``jpeg`` without a quality and a
    chroma) would give each photo another noise, which makes a column's mean meaningless."""
    checked = []
    for spec in noises:
        spec = str(spec).strip()
        if not _fixed(parse_noise(spec)):  # parse_noise: ValueError naming a malformed spec
            raise ValueError(f"noise {spec!r} varies from photo to photo; give fixed levels, "
                             "e.g. gaussian:25,jpeg:90:420 or camera:800,jpeg:90:420")
        if spec not in checked:
            checked.append(spec)
    return tuple(checked)


def _fixed(model: NoiseModel) -> bool:
    """Whether every per-image parameter of ``model`` is a single value."""
    if isinstance(model, SavedAsJpeg):
        return _fixed(model.noise) and model.jpeg.quality[0] == model.jpeg.quality[1] and len(model.jpeg.chroma) == 1
    ranges = {GaussianNoise: "sigma", PoissonNoise: "peak", CameraNoise: "iso"}
    for kind, field in ranges.items():
        if isinstance(model, kind):
            low, high = getattr(model, field)
            return low == high
    return False


def column_label(column: float | str) -> str:
    """A table column's heading: ``σ = 25`` for Gaussian sigma 25, the spec itself otherwise."""
    return column if isinstance(column, str) else f"σ = {column:g}"


def column_of(row: dict) -> float | str:
    """The column of a row: its noise spec, or its Gaussian sigma (rows written before specs existed)."""
    return row["noise"] if "noise" in row else row["sigma"]


def _column_field(column: float | str) -> dict:
    return {"noise": column} if isinstance(column, str) else {"sigma": column}


def given_sigma(column: float | str, noisy: torch.Tensor, clean: torch.Tensor) -> float:
    """The noise level a "sigma given" baseline gets: the Gaussian sigma, or for any other noise the RMS of
    ``noisy - clean`` on the 0-255 scale (an oracle: a user does not know it)."""
    if not isinstance(column, str):
        return float(column)
    return float((noisy.float() - clean.float()).pow(2).mean().sqrt())


# ------------------------------------------------------------------------------------------- baselines


def _require(module: str, label: str) -> str:
    """Import ``module`` (raising :class:`BaselineUnavailable` if absent) and return its version."""
    try:
        imported = importlib.import_module(module)
    except ImportError:
        raise BaselineUnavailable(f"{label} needs the optional package {module!r}: pip install 'n2n[baselines]'") from None
    distribution = {"skimage": "scikit-image"}.get(module, module)
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return str(getattr(imported, "__version__", "unknown"))


@dataclass(frozen=True)
class Baseline:
    """A classical denoiser given the true noise level, whose scores are cached.

    ``make(sigma)`` returns a denoiser ``noisy (N, 3, H, W) -> float (N, 3, H, W)`` in [0, 255];
    ``version()`` returns the version string that goes into the cache key (and raises
    :class:`BaselineUnavailable` when the package is missing).
    """

    name: str  # the row label
    key: str  # the cache folder and key component
    make: Callable[[float], Denoiser]
    version: Callable[[], str]


def _bm3d(sigma: float) -> Denoiser:
    from n2n.evaluation import baselines

    return baselines.bm3d(sigma)


def _nl_means(sigma: float) -> Denoiser:
    from n2n.evaluation import baselines

    return baselines.nl_means(sigma)


def _bm3d_estimated(sigma: float) -> Denoiser:
    from n2n.evaluation import baselines

    return baselines.bm3d(None)


BM3D = Baseline("BM3D (sigma given)", "bm3d_rgb", _bm3d, lambda: "bm3d " + _require("bm3d", "BM3D"))
# The blind user's BM3D: sigma estimated from the noisy photo (scikit-image's wavelet estimate).
BM3D_ESTIMATED = Baseline("BM3D (sigma estimated)", "bm3d_rgb_estimated", _bm3d_estimated,
                          lambda: "bm3d " + _require("bm3d", "BM3D") + ", scikit-image " + _require("skimage", "BM3D's sigma estimate"))
NL_MEANS = Baseline("NL-means (sigma given)", "nl_means_p5_w13_h0.8", _nl_means,
                    lambda: "scikit-image " + _require("skimage", "NL-means"))
BASELINES = {"bm3d": BM3D, "bm3d-estimated": BM3D_ESTIMATED, "nl-means": NL_MEANS}


def default_cache_dir() -> Path:
    return work_root() / "cache" / "whole_photos"


def cache_key(baseline: Baseline, version: str, photo: PreparedPhoto, column: float | str, seed: int) -> dict:
    return score_key(baseline.key, version, photo.id, photo.sha256, photo.size, column, seed, PREPARATION)



def _folder(option: str | os.PathLike | None, default: Callable[[], Path]) -> Path | None:
    """A folder option of :func:`evaluate_photos`: ``"default"`` -> ``default()``, ``None`` -> ``None``, else the path."""
    if option is None:
        return None
    return default() if option == "default" else Path(option)


def _cache_file(cache_dir: Path, key: dict) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:32]
    return cache_dir / key["baseline"] / f"{digest}.json"


def _cached(cache_dir: Path | None, key: dict) -> dict | None:
    if cache_dir is None:
        return None
    path = _cache_file(cache_dir, key)
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) and entry.get("key") == key else None


def _store(cache_dir: Path | None, key: dict, psnr_db: float, seconds: float) -> None:
    if cache_dir is None:
        return
    entry = {"key": key, "psnr": psnr_db, "seconds": seconds}
    atomic_write_text(json.dumps(entry, indent=1) + "\n", _cache_file(cache_dir, key), overwrite=True)


# ---------------------------------------------------------------------------------------------- scoring


def quantize(image: torch.Tensor) -> torch.Tensor:
    """What ``n2n denoise`` writes: rounded, clipped to [0, 255], uint8."""
    image = image.detach().to(torch.float32)
    if not torch.isfinite(image).all():
        raise ValueError("the denoiser returned NaN or infinite values")
    return image.round().clamp(0, 255).to(torch.uint8)


def run_network(predict: Denoiser, noisy: torch.Tensor, grey: str = "auto") -> torch.Tensor:
    """A network on a whole photo, tile by tile (bounded memory) and kept grey for a grey photo (``grey``:
    ``auto``, ``yes`` or ``no``), as ``n2n denoise`` runs it."""
    return denoise_photo(predict, noisy, grey=grey)[0]


def _runner(denoise: Denoiser, tiled: bool, grey: str) -> Denoiser:
    """``denoise`` on a whole noisy photo as ``n2n denoise`` runs it: tiled (unless ``tiled`` is false), then made grey
    when ``grey`` asks for it."""
    if tiled:
        return lambda noisy: run_network(denoise, noisy, grey)
    return lambda noisy: finish_grey(denoise(noisy), noisy, grey)[0]


def _score(denoise: Denoiser, noisy: torch.Tensor, clean: torch.Tensor, name: str) -> tuple[float, float]:
    start = time.perf_counter()
    result = denoise(noisy)
    seconds = time.perf_counter() - start
    if not isinstance(result, torch.Tensor) or tuple(result.shape) != tuple(clean.shape):
        shape = tuple(result.shape) if isinstance(result, torch.Tensor) else type(result).__name__
        raise ValueError(f"denoiser {name!r} returned {shape} for an input of shape {tuple(noisy.shape)}")
    return psnr(quantize(result), clean), seconds


def evaluate_photos(
    photos: Sequence[PhotoFile],
    denoisers: dict[str, Denoiser],
    sigmas: Iterable[float] = DEFAULT_SIGMAS,
    size: int = DEFAULT_SIZE,
    seed: int = 0,
    baselines: Sequence[Baseline] = (BM3D,),
    cache_dir: str | os.PathLike | None = "default",
    recorded: str | os.PathLike | None = "default",
    missing: str = "raise",
    progress: bool = True,
    tiled: bool = True,
    grey: str = "auto",
    noises: Iterable[str] = (),
) -> dict:
    """Score ``denoisers`` (name -> callable, run tiled unless it has ``whole_image = True``) and ``baselines`` on whole ``photos``.

    Returns ``{"settings", "photos", "rows", "means", "skipped"}``: ``rows`` has one entry per
    (denoiser, photo, sigma) ``{"denoiser", "kind", "photo", "sigma", "psnr", "seconds", "height",
    "width"}`` (``kind``: ``input``, ``baseline`` (with ``cached``) or ``network``), starting with the
    noisy input; ``means`` averages them over photos (:func:`mean_rows`). ``cache_dir``: where baseline
    scores are cached (``"default"``: ``cache/whole_photos``; ``None``: no cache). ``recorded``: a folder of
    earlier results files whose baseline scores with the same key are reused (``"default"``: the checkout's
    ``results/``; ``None``: none); such rows have ``cached`` true and ``recorded`` naming the file. ``missing``:
    ``"raise"`` (default) or ``"skip"`` (one line on stderr, listed in ``skipped``) when a baseline's
    package is not installed. ``grey``: the ``n2n denoise --grey`` mode applied to every network's output
    (``auto``: grey photos get grey output; ``no``: the network's output as it is), unless a denoiser carries
    its own (:func:`n2n.inference.photo.with_grey_mode`). ``noises``: further columns, one per noise spec
    with fixed levels (:func:`check_noises`, e.g. ``gaussian:25,jpeg:90:420``); their rows carry ``noise``
    instead of ``sigma``, and a "sigma given" baseline gets the RMS of the noise (:func:`given_sigma`).
    """
    noises = check_noises(noises)
    sigmas = check_sigmas(sigmas) if (sigmas or not noises) else ()
    columns = [*sigmas, *noises]
    size = check_size(size)
    if missing not in ("raise", "skip"):
        raise ValueError(f"missing must be 'raise' or 'skip', got {missing!r}")
    if not photos:
        raise ValueError("no photos to evaluate")
    ids = [photo.id for photo in photos]
    if len(set(ids)) != len(ids):
        raise ValueError("two photos share an id; give each photo a distinct file name")
    cache = _folder(cache_dir, default_cache_dir)
    usable, skipped = [], []
    for baseline in baselines:  # check the packages before any work
        try:
            usable.append((baseline, baseline.version()))
        except BaselineUnavailable as error:
            if missing == "raise":
                raise
            print(f"skipping {baseline.name}: {error}", file=sys.stderr)
            skipped.append({"baseline": baseline.name, "reason": str(error)})
    known = recorded_scores(_folder(recorded, lambda: RESULTS_DIR), {baseline.name: baseline.key for baseline, _ in usable})
    check_mode(grey)  # a bad mode fails before any work
    runners = [(name, _runner(fn, tiled and not getattr(fn, "whole_image", False), check_mode(getattr(fn, "grey", grey))))
               for name, fn in denoisers.items()]
    rows, described = [], []
    total = len(photos) * len(columns) * (1 + len(usable) + len(runners))
    progress_bar = bar(total=total, enabled=progress, desc="whole photos", unit="run")
    with progress_bar:
        for photo_file in photos:
            photo = prepare_photo(photo_file, size)
            described.append(photo.describe())
            clean = photo.clean
            base = {"photo": photo.id, "height": int(clean.shape[2]), "width": int(clean.shape[3])}
            for column in columns:
                noisy = noisy_copy(photo, column, seed)
                where, field = f"{photo.id} {column_label(column)}", _column_field(column)
                progress_bar.set_postfix_str(where, refresh=False)
                rows.append({"denoiser": NOISY_INPUT, "kind": "input", **field, "psnr": psnr(noisy, clean), "seconds": 0.0, **base})
                progress_bar.update()
                for baseline, version in usable:
                    progress_bar.set_postfix_str(f"{where} {baseline.name}")
                    key = cache_key(baseline, version, photo, column, seed)
                    entry = _cached(cache, key) or known.get(canonical(key))
                    if entry is None:
                        value, seconds = _score(baseline.make(given_sigma(column, noisy, clean)), noisy, clean, baseline.name)
                        _store(cache, key, value, seconds)
                        entry = {"psnr": value, "seconds": seconds, "cached": False}
                    else:
                        entry = {"psnr": float(entry["psnr"]), "seconds": float(entry["seconds"]), "cached": True,
                                 **({"recorded": entry["recorded"]} if "recorded" in entry else {})}
                    rows.append({"denoiser": baseline.name, "kind": "baseline", **field, **entry, **base})
                    progress_bar.update()
                for name, denoise in runners:
                    progress_bar.set_postfix_str(f"{where} {name}")
                    value, seconds = _score(denoise, noisy, clean, name)
                    rows.append({"denoiser": name, "kind": "network", **field, "psnr": value, "seconds": seconds, **base})
                    progress_bar.update()
    settings = {"sigmas": list(sigmas), **({"noises": list(noises)} if noises else {}), "size": size,
                "noise": "gaussian (n2n.data.noise, clipped and rounded to uint8)" + (" and the specs in noises" if noises else ""),
                "noise_seed": seed, "preparation": PREPARATION, "multiple": MULTIPLE, "tiled": tiled, "grey": grey,
                "psnr": "whole image on [0, 1], -10 log10(MSE); outputs rounded and clipped to uint8 first",
                "baselines": {baseline.name: version for baseline, version in usable}}
    return {"settings": settings, "photos": described, "rows": rows, "means": mean_rows(rows), "skipped": skipped}


def mean_rows(rows: Iterable[dict]) -> list[dict]:
    """Per (denoiser, column): ``{"denoiser", "kind", "sigma" or "noise", "psnr", "seconds", "photos"}``, means over photos."""
    groups: dict[tuple[str, float | str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["denoiser"], column_of(row)), []).append(row)
    return [{"denoiser": name, "kind": group[0]["kind"], **_column_field(column),
             "psnr": sum(r["psnr"] for r in group) / len(group),
             "seconds": sum(r["seconds"] for r in group) / len(group), "photos": len(group)}
            for (name, column), group in groups.items()]


def format_table(result: dict) -> str:
    """Markdown: one row per denoiser (noisy input and baselines first), one column per noise (mean PSNR, dB),
    and the mean seconds per photo."""
    means = result["means"]
    columns = list(dict.fromkeys(column_of(row) for row in means))
    names = list(dict.fromkeys(row["denoiser"] for row in means))
    value = {(row["denoiser"], column_of(row)): row for row in means}
    photos = max((row["photos"] for row in means), default=0)
    lines = ["| denoiser | " + " | ".join(column_label(c) for c in columns) + " | s / photo |", "|---" * (len(columns) + 2) + "|"]
    for name in names:
        cells = [f"{value[name, c]['psnr']:.2f}" if (name, c) in value else "–" for c in columns]
        found = [value[name, c]["seconds"] for c in columns if (name, c) in value]
        seconds = "–" if name == NOISY_INPUT or not found else f"{sum(found) / len(found):.1f}"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {seconds} |")
    kinds = ("Gaussian noise of standard deviation σ (0-255 scale)" if all(not isinstance(c, str) for c in columns)
             else "noise as headed (σ: Gaussian standard deviation on the 0-255 scale)")
    return (f"Mean whole-photo PSNR in dB (higher is better) over {photos} photo(s), {photo_sizes(result)}, "
            f"{kinds}; s / photo: seconds per photo:\n\n" + "\n".join(lines))


def photo_sizes(result: dict) -> str:
    """The short sides the photos of ``result`` were evaluated at, in words: what was measured, not what was asked
    for (a photo smaller than ``--photo-size`` keeps its own size)."""
    sides = sorted({min(photo["height"], photo["width"]) for photo in result.get("photos", [])})
    size = result["settings"]["size"]
    if not sides:
        return f"short side {size} px" if size else "native size"
    text = f"short side {sides[0]} px" if len(sides) == 1 else f"short sides {sides[0]}-{sides[-1]} px"
    if not size:
        return text + " (native size)"
    if sides[0] < size - size % MULTIPLE:
        text += f" (photos smaller than the {size} px asked for keep their size)"
    return text
