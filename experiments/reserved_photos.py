"""Independent check of the shipped models on the reserved sample photos (evaluation only).

The sample photographs bundled with scikit-image and matplotlib are never used to train, tune or
select a model in this project. ``python -m experiments.reserved_photos`` is the one place they
are used: after a model is shipped, it scores the *shipped* networks (no other checkpoint can be
passed, by design) on them beside BM3D given the true sigma, exactly as ``n2n evaluate --photos``
scores the validation photos (short side at most 512 px, Gaussian sigma 15 / 25 / 50, noise seed 0).

Writes the photos as PNG into ``cache/reserved_photos/`` (so their hashes are recorded), the results
to ``results/whole_photos/reserved.json`` and the README block ``whole_photos:reserved``. ``--adapt``
instead scores the shipped Miniproject_1 network with and without ``n2n denoise --adapt`` (about a
minute per photo and sigma) into ``results/whole_photos/reserved_adapt.json``, README untouched. ``--jpeg`` scores
``n2n denoise``'s default (``auto``: the course network, or the JPEG and camera networks) and the course network
alone on the noises of issue #30 (Gaussian sigma 15 / 25 / 50 saved as PNG and as JPEG quality 90 with 4:2:0
chroma, camera noise at ISO 800 / 3200 then that JPEG), networks only (BM3D's minutes per photo and noise are
left to the validation photos), into ``results/whole_photos/reserved_jpeg.json``, README untouched. Needs the
``baselines`` extra (scikit-image, BM3D) and matplotlib (``report`` extra), whose sample data it reads.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from experiments.whole_photo_quality import results_parser, save_results
from n2n.evaluation import whole_photos
from n2n.extras import MissingExtra
from n2n.inference import denoisers
from n2n.inference.ensemble import self_ensemble
from n2n.paths import REPO_ROOT
from n2n.report.readme_blocks import replace_block

RESULTS = REPO_ROOT / "results" / "whole_photos" / "reserved.json"
ADAPT_RESULTS = RESULTS.with_name("reserved_adapt.json")
JPEG_RESULTS = RESULTS.with_name("reserved_jpeg.json")
JPEG_NOISES = ("gaussian:15,jpeg:90:420", "gaussian:25,jpeg:90:420", "gaussian:50,jpeg:90:420", "camera:800,jpeg:90:420",
               "camera:3200,jpeg:90:420")
PHOTO_DIR = REPO_ROOT / "cache" / "reserved_photos"
BLOCK = "whole_photos:reserved"
# Natural photographs only (skimage's "cat" is "chelsea" again; "retina" and "hubble_deep_field"
# are mostly black background).
SKIMAGE_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry")
MATPLOTLIB_PHOTOS = ("grace_hopper.jpg",)


def export_photos(folder: Path = PHOTO_DIR) -> list[whole_photos.PhotoFile]:
    """Write the reserved photos as RGB PNG files into ``folder``; returns them as photo files."""
    try:
        import matplotlib
        import numpy as np
        from PIL import Image
        from skimage import data
    except ImportError:
        raise MissingExtra("the reserved-photo check needs scikit-image and matplotlib: pip install 'n2n[baselines,report]'") from None
    folder.mkdir(parents=True, exist_ok=True)
    photos = []
    arrays = {f"skimage/{name}": getattr(data, name)() for name in SKIMAGE_PHOTOS}
    sample_data = Path(matplotlib.get_data_path()) / "sample_data"
    for name in MATPLOTLIB_PHOTOS:
        with Image.open(sample_data / name) as image:
            arrays[f"matplotlib/{Path(name).stem}"] = np.asarray(image.convert("RGB"))
    for photo_id, array in arrays.items():
        path = folder / f"{photo_id.replace('/', '_')}.png"
        if not path.is_file():
            Image.fromarray(np.ascontiguousarray(array[..., :3])).save(path)
        photos.append(whole_photos.PhotoFile(photo_id, path))
    return photos


def readme_table(results: dict) -> str:
    return (whole_photos.format_table(results)
            + f"\n\n`python -m experiments.reserved_photos` (`results/whole_photos/reserved.json`, {results['date'][:10]}): "
              "the sample photos of scikit-image (" + ", ".join(SKIMAGE_PHOTOS) + ") and matplotlib (grace_hopper), "
              "used for nothing else; they ran once, after the model was shipped.")


def main(argv: list[str] | None = None) -> int:
    parser = results_parser(__doc__, RESULTS)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--adapt", action="store_true",
                      help=f"score the shipped Miniproject_1 network with and without --adapt instead (-> {ADAPT_RESULTS.name})")
    mode.add_argument("--jpeg", action="store_true",
                      help=f"score n2n denoise's default and the course network on JPEG-saved and camera noise instead (-> {JPEG_RESULTS.name})")
    args = parser.parse_args(argv)
    if args.readme_only:
        if args.adapt or args.jpeg:
            raise ValueError("--adapt and --jpeg results have no README block; drop --readme-only")
        replace_block(BLOCK, readme_table(json.loads(args.out.read_text())))
        return 0
    torch.set_num_threads(args.threads)
    load_start = list(os.getloadavg())
    shipped = denoisers.get("miniproject1")
    if args.adapt:
        from n2n.inference.adapt import AdaptingDenoiser

        chosen = {"Miniproject_1 shipped": shipped, "Miniproject_1 shipped (--adapt)": AdaptingDenoiser(shipped)}
        args.out, args.no_readme = (ADAPT_RESULTS if args.out == RESULTS else args.out), True
    elif args.jpeg:
        chosen = {"n2n denoise (auto)": denoisers.get("auto"), "Miniproject_1 shipped": shipped}
        args.out, args.no_readme = (JPEG_RESULTS if args.out == RESULTS else args.out), True
    else:
        chosen = {"Miniproject_1 shipped": shipped, "Miniproject_1 shipped (x8 ensemble)": self_ensemble(shipped),
                  "Miniproject_2 shipped": denoisers.get("miniproject2")}
    baselines, noises = ([], JPEG_NOISES) if args.jpeg else ([whole_photos.BM3D], ())
    results = whole_photos.evaluate_photos(export_photos(), chosen, baselines=baselines, noises=noises)
    save_results(results, args, load_start, BLOCK, readme_table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
