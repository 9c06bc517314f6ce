"""Whole-photo quality of the shipped models beside BM3D (given the true sigma).

``python -m experiments.whole_photo_quality`` runs :mod:`n2n.evaluation.whole_photos` on the
6 validation photographs of the default pool (short side 512 px, Gaussian noise sigma = 15, 25, 50,
noise seed 0): the noisy input, BM3D given the true sigma, and the shipped Miniproject_1 and
Miniproject_2 models (tiled, black-and-white photos made grey, outputs rounded to uint8 as ``n2n denoise``
writes them), and the Miniproject_1 model without the grey step. Writes
``results/whole_photos/quality.json`` (every per-photo row, the means, the settings, the machine
and thread count, the date) and refreshes the README block ``whole_photos:quality``.

BM3D takes about a minute per photo and sigma on the 2-core development machine; its scores are
cached in ``cache/whole_photos/``, so a rerun only pays for the networks.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
from pathlib import Path

import torch

from n2n.evaluation import whole_photos
from n2n.fileio import atomic_write_text
from n2n.inference import denoisers
from n2n.inference.ensemble import self_ensemble
from n2n.inference.photo import with_grey_mode
from n2n.paths import REPO_ROOT
from n2n.report.readme_blocks import replace_block

RESULTS = REPO_ROOT / "results" / "whole_photos" / "quality.json"
BLOCK = "whole_photos:quality"
MODELS = {
    "Miniproject_1 shipped (U-Net 40×5, N2N on whole photos, blind noise)": "miniproject1",
    "Miniproject_2 shipped (course network, N2N, mixed noise)": "miniproject2",
}
# The same network averaged over the 8 symmetries of the square (`n2n denoise --ensemble`).
ENSEMBLES = {"Miniproject_1 shipped, x8 ensemble (`--ensemble`)": "miniproject1"}
# Every row above gets the grey step of `n2n denoise` (black-and-white photos written grey); this one shows the
# network's own output, so the table says what the step adds.
WITHOUT_GREY = {"Miniproject_1 shipped, without the grey step (`--grey no`)": "miniproject1"}


def readme_table(results: dict) -> str:
    """The README block: the mean-PSNR table and where it comes from."""
    machine = results["machine"]
    load = machine.get("load_average_start")
    shared = f" (load average {load[0]:.1f} at the start: other jobs shared the CPU)" if load and load[0] > 1.5 else ""
    return (whole_photos.format_table(results)
            + "\n\ns / photo: mean seconds per photo and σ (BM3D on the whole image, the networks in 512 px tiles), "
              f"{machine['torch_threads']} torch thread(s) on the {machine['cpu_count']}-core CPU{shared}. "
              f"`python -m experiments.whole_photo_quality` (`results/whole_photos/quality.json`, {results['date'][:10]}).")


def results_parser(description: str, out: Path) -> argparse.ArgumentParser:
    """The options every whole-photo experiment shares: threads, results file, README handling."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--no-readme", action="store_true", help="do not touch README.md")
    parser.add_argument("--readme-only", action="store_true", help="only refresh the README table from --out")
    return parser


def machine_info(load_start: list[float]) -> dict:
    """Where and how a timing was taken: processor, cores, threads, versions, load before and after."""
    return {"processor": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "load_average_start": load_start, "load_average_end": list(os.getloadavg())}


def save_results(results: dict, args: argparse.Namespace, load_start: list[float], block: str, table) -> None:
    """Stamp ``results`` with the date and machine, write ``args.out``, print the table, refresh README ``block``."""
    results["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    results["machine"] = machine_info(load_start)
    atomic_write_text(json.dumps(results, indent=2) + "\n", args.out, overwrite=True)
    print(whole_photos.format_table(results))
    if not args.no_readme:
        replace_block(block, table(results))


def main(argv: list[str] | None = None) -> int:
    parser = results_parser(__doc__, RESULTS)
    parser.add_argument("--sigmas", nargs="+", type=float, default=list(whole_photos.DEFAULT_SIGMAS))
    parser.add_argument("--size", type=int, default=whole_photos.DEFAULT_SIZE, help="short side in px (0: native)")
    parser.add_argument("--seed", type=int, default=0, help="noise seed")
    args = parser.parse_args(argv)
    if args.readme_only:
        replace_block(BLOCK, readme_table(json.loads(args.out.read_text())))
        return 0
    torch.set_num_threads(args.threads)
    load_start = list(os.getloadavg())
    photos = whole_photos.validation_photos()
    chosen = {label: denoisers.get(name) for label, name in MODELS.items()}
    for label, name in ENSEMBLES.items():
        chosen[label] = self_ensemble(denoisers.get(name))
    for label, name in WITHOUT_GREY.items():
        chosen[label] = with_grey_mode(denoisers.get(name), "no")
    results = whole_photos.evaluate_photos(photos, chosen, sigmas=args.sigmas, size=args.size, seed=args.seed,
                                           baselines=[whole_photos.BM3D])
    results["models"] = {**MODELS, **{label: f"{name} (x8 ensemble)" for label, name in ENSEMBLES.items()},
                         **{label: f"{name} (--grey no)" for label, name in WITHOUT_GREY.items()}}
    results["settings"]["photo_set"] = "validation photographs of the default pool (data/manifest.json splits/val)"
    save_results(results, args, load_start, BLOCK, readme_table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
