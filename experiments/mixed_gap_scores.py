"""Scored the mixed-noise single-image probes (wider samplers, weaker regulariser): a weaker regulariser gained, the samplers that avoid pixelation blocks lost.

``python -m experiments.mixed_gap_scores NAME=CHECKPOINT ...`` scores each run's *last* weights as
:mod:`experiments.single_image`'s training table does: all 1000 crops of the committed ``mixed`` and ``gaussian25``
sets and the whole validation photos (short side 512 px) at Gaussian sigma 15 / 25 / 50, PSNR in dB (higher is
better). Each NAME's entry is added to (or replaced in) ``--out`` (default
``results/single_image/mixed_gap_check/scores.json``); the runs come from :mod:`experiments.neighbour_samplers`
and ``n2n train --single-gamma`` (that folder's README).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from experiments.single_image import last_network, predictor
from n2n.evaluation import whole_photos
from n2n.evaluation.evaluate import available_val_sets, evaluate
from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT

OUT = REPO_ROOT / "results" / "single_image" / "mixed_gap_check" / "scores.json"
CROP_SETS = ("mixed", "gaussian25")
SIGMAS = [15.0, 25.0, 50.0]


def named_run(text: str) -> tuple[str, Path]:
    name, separator, path = text.partition("=")
    if not separator or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=CHECKPOINT, got {text!r}")
    return name, Path(path)


def scores(runs: dict[str, Path], size: int = 512) -> dict[str, dict]:
    """``{name: {"checkpoint", "crops": {crop set: PSNR}, "photos": {sigma: mean whole-photo PSNR}}}`` (dB, 3 decimals)."""
    predictors = {name: predictor(last_network(path)) for name, path in runs.items()}
    sets = {name: path for name, path in available_val_sets().items() if name in CROP_SETS}
    crops = [row for row in evaluate(predictors, sets) if row["denoiser"] in runs]
    photos = whole_photos.evaluate_photos(whole_photos.validation_photos(), predictors, sigmas=SIGMAS, size=size,
                                          baselines=[], missing="skip", progress=False)
    return {name: {"checkpoint": str(path),
                   "crops": {row["val_set"]: round(row["psnr"], 3) for row in crops if row["denoiser"] == name},
                   "photos": {f"{mean['sigma']:g}": round(mean["psnr"], 3) for mean in photos["means"] if mean["denoiser"] == name}}
            for name, path in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.mixed_gap_scores", description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", type=named_run, metavar="NAME=CHECKPOINT",
                        help="a run's name and its checkpoint (its last weights, CHECKPOINT.last.pth, are scored)")
    parser.add_argument("--out", type=Path, default=OUT, help="the JSON file to add the scores to")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    found = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for name, entry in scores(dict(args.runs)).items():
        found[name] = entry
        print(name, entry)
    atomic_write_text(json.dumps(found, indent=2) + "\n", args.out, overwrite=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
