"""One uploaded photo through ``n2n denoise``'s own code: the download is the very file the command writes.

The options the page sends are turned into ``n2n denoise`` arguments and parsed by the command's own parser
(so every default is the command's), checked by its :func:`~n2n.commands.denoise.check_arguments`, and the
photo is read by :func:`~n2n.data.photo_files.read_photo` and written by
:func:`~n2n.commands.denoise.write_denoised`: format from the suffix (the upload's own), bit depth, colour profile,
EXIF, XMP and orientation as the command keeps them. Beside the result the job leaves two 8-bit previews for
the page's comparison (PNG, lossless, with the photo's colour profile) and the photo's estimated noise level.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from n2n.commands import denoise as denoise_command
from n2n.data.photo_files import file_format, read_photo
from n2n.data.photo_metadata import profile_fits
from n2n.inference.noise_level import noise_sigma
from n2n.progress import listen
from n2n.web.jobs import Job
from n2n.web.models import CHECKPOINT, Models

BEFORE, AFTER = "before.png", "after.png"
DEPTHS = {"uint8": "8-bit", "uint16": "16-bit", "float32": "32-bit float"}


def denoise_arguments(source: Path, target: Path, options: dict[str, Any], models: Models) -> argparse.Namespace:
    """The ``n2n denoise`` arguments for the page's ``options`` (model, strength, adapt), parsed by the command."""
    argv = [str(source), "-o", str(target), "--strength", repr(float(options["strength"]))]
    if options["model"] == CHECKPOINT:
        argv += ["--checkpoint", str(models.checkpoint)]
    else:
        argv += ["--model", options["model"]]
    if options["adapt"]:
        argv.append("--adapt")
    parser = argparse.ArgumentParser(prog="n2n")
    denoise_command.register(parser.add_subparsers())
    return parser.parse_args(["denoise", *argv])


def stage_of(label: str) -> str:
    """The page's name for a progress bar's label (:func:`n2n.progress.listen`)."""
    return "adapting the model to this photo" if label.startswith("adapt") else "denoising"


def write_preview(images: torch.Tensor, path: Path, icc: bytes | None) -> None:
    """Float ``(1, C, H, W)`` in [0, 255] as an 8-bit RGB PNG (fast, lossless) with the photo's colour profile."""
    pixels = denoise_command.preview(images)[0].permute(1, 2, 0).numpy()
    Image.fromarray(pixels).save(path, format="PNG", compress_level=1, icc_profile=icc if profile_fits(icc, 3) else None)


def note_of(line: str, source: Path) -> str:
    """A line ``n2n denoise`` prints about ``source``, without the temporary path."""
    return line.removeprefix(f"{source}: ")


def process(job: Job, models: Models) -> None:
    """Denoise ``job.upload`` into ``job.folder / "output"`` as ``n2n denoise`` would; fill ``job.result``."""
    job.report("loading the model")
    denoiser = models.get(job.options["model"])  # once per model: not counted in the time the page shows
    start = time.perf_counter()
    job.report("reading the photo")
    target = job.folder / "output" / job.name
    args = denoise_arguments(job.upload, target, job.options, models)
    steps = denoise_command.check_arguments(args)
    photo = read_photo(job.upload)
    job.report("denoising")
    with listen(lambda label, done, total: job.report(stage_of(label), done, total)):
        written = denoise_command.write_denoised(denoiser, photo, job.upload, target, args, steps)
    seconds = time.perf_counter() - start
    job.report("making the comparison")
    colours = 1 if written.noisy.shape[1] <= 2 else 3
    write_preview(written.noisy, job.folder / BEFORE, photo.metadata.icc)
    write_preview(written.images, job.folder / AFTER, photo.metadata.icc)
    height, width = photo.pixels.shape[:2]
    job.result = {
        "file": str(target.relative_to(job.folder)), "width": width, "height": height,
        "depth": DEPTHS.get(str(photo.pixels.dtype), str(photo.pixels.dtype)), "format": file_format(target),
        "noise_sigma": round(noise_sigma(written.noisy[:, :colours]), 2), "seconds": round(seconds, 2),
        "input_bytes": job.upload.stat().st_size, "output_bytes": target.stat().st_size,
        "notes": [note_of(line, job.upload) for line in written.lines[:-1]],
    }
