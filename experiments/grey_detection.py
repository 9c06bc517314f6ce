"""How well the grey-photo test separates colour from black and white: ``python -m experiments.grey_detection``.

For every photo of the default pool (training and validation photos; never the reserved sample photos),
prepared as ``n2n evaluate --photos`` prepares it (short side 512), this computes
:func:`n2n.inference.grey.colour_evidence` of the photo and of its grey copy (channel mean in all three
channels, rounded), clean and under each noise of ``--noise`` (seeded per photo). A colour photo should
score far above :data:`n2n.inference.grey.THRESHOLD` and its grey copy below it. Writes
``results/grey_detection.json`` with every score, the lowest colour score and the highest grey one per noise.
"""

from __future__ import annotations

import argparse
import json

import torch

from n2n.data.noise import parse_noise
from n2n.data.photos import training_photos, validation_photos
from n2n.evaluation.whole_photos import PhotoFile, prepare_photo
from n2n.fileio import atomic_write_text
from n2n.inference.grey import THRESHOLD, colour_evidence, project_grey
from n2n.paths import REPO_ROOT

RESULTS = REPO_ROOT / "results" / "grey_detection.json"
NOISES = ("gaussian:5", "gaussian:15", "gaussian:50", "poisson", "pixelate")


def scores(clean: torch.Tensor, noises: list[str], seed: int) -> dict:
    """``{"clean": evidence, noise: evidence, ...}`` for ``clean`` ``uint8 (1, 3, H, W)``; noise seeded by ``seed``."""
    result = {"clean": colour_evidence(clean)}
    for spec in noises:
        result[spec] = colour_evidence(parse_noise(spec).corrupt(clean, torch.Generator().manual_seed(seed)))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", nargs="+", default=list(NOISES), help=f"noise specs (default {' '.join(NOISES)})")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    for index, photo in enumerate([*training_photos(), *validation_photos()]):
        clean = prepare_photo(PhotoFile(photo.id, photo.path)).clean
        grey = project_grey(clean).round().to(torch.uint8)
        rows.append({"photo": photo.id, "colour": scores(clean, args.noise, index), "grey": scores(grey, args.noise, 1000 + index)})
        print(photo.id, " ".join(f"{spec} {rows[-1]['colour'][spec]:.1f}/{rows[-1]['grey'][spec]:.2f}" for spec in args.noise), flush=True)
    # Some pool photos are black and white themselves: their "colour" rows are grey rows too.
    colour_rows = [row for row in rows if row["colour"]["clean"] > THRESHOLD]
    summary = {spec: {"lowest_colour": min(row["colour"][spec] for row in colour_rows),
                      "highest_grey": max(max(row["grey"][spec] for row in rows),
                                          max((row["colour"][spec] for row in rows if row not in colour_rows), default=0.0))}
               for spec in args.noise}
    record = {"threshold": THRESHOLD, "photo_size": 512, "colour_photos": len(colour_rows), "photos": len(rows),
              "black_and_white_in_pool": [row["photo"] for row in rows if row not in colour_rows],
              "summary": summary, "rows": rows}
    atomic_write_text(json.dumps(record, indent=2) + "\n", RESULTS, overwrite=True)
    for spec, values in summary.items():
        print(f"{spec}: lowest colour {values['lowest_colour']:.1f}, highest grey {values['highest_grey']:.2f} (threshold {THRESHOLD:g})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
