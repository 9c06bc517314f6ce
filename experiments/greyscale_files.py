"""Greyscale files (the same noise in all three channels): ``python -m experiments.greyscale_files``.

A greyscale PNG or JPEG read as RGB has identical channels, so its noise is identical across channels,
unlike the colour noise the networks were trained on. For chosen validation photos, greyed (channel mean,
rounded) and given Gaussian noise ``--sigma`` in one channel copied to all three (seeded per photo as
``n2n evaluate --photos``), this scores the noisy input, the shipped Miniproject_1 network as it is
(``n2n denoise --grey no``), the same network through ``n2n denoise`` (the channel-shift path of
:func:`n2n.inference.photo.denoise_greyscale`) and greyscale BM3D given sigma. Writes
``results/whole_photos/greyscale_files.json`` (or ``--out``); ``--checkpoint`` adds other weights. Needs the ``baselines`` extra (BM3D).
"""

from __future__ import annotations

import argparse
import json

import torch

from experiments.photo_options import add_checkpoint_options, matching_photos, networks
from n2n.evaluation.baselines import bm3d
from n2n.evaluation.whole_photos import noise_seed, prepare_photo, quantize, run_network
from n2n.fileio import atomic_write_text
from n2n.inference import denoisers
from n2n.inference.grey import project_grey
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT

RESULTS = REPO_ROOT / "results" / "whole_photos" / "greyscale_files.json"


def greyscale_noisy(clean: torch.Tensor, sigma: float, seed: int) -> torch.Tensor:
    """``uint8 (1, 3, H, W)``: grey ``clean`` plus one channel of Gaussian noise copied to all three, clipped, rounded."""
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn((1, 1, *clean.shape[2:]), generator=generator) * sigma
    return (clean[:, :1].to(torch.float32) + noise).round().clamp(0, 255).to(torch.uint8).expand(-1, 3, -1, -1).contiguous()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", default=["Grey", "GreenMeadow", "TwoWings"],
                        help="validation photos whose id contains one of these (default Grey GreenMeadow TwoWings)")
    parser.add_argument("--sigma", type=float, default=25.0)
    parser.add_argument("--threads", type=int, default=2)
    add_checkpoint_options(parser, "also score these Miniproject_1 weights, as they are and through n2n denoise (repeatable)", RESULTS)
    args = parser.parse_args(argv)
    others = networks(args.checkpoint)
    torch.set_num_threads(args.threads)
    chosen = matching_photos(args.photos)
    scored = {"Miniproject_1 shipped": denoisers.get("miniproject1"), **others}
    baseline = bm3d(args.sigma)
    rows = []
    for photo_file in chosen:
        clean = project_grey(prepare_photo(photo_file).clean).round().to(torch.uint8)
        noisy = greyscale_noisy(clean, args.sigma, noise_seed(photo_file.id, args.sigma))
        outputs = {"noisy input": noisy}
        for label, network in scored.items():
            outputs[f"{label}, as it is (`--grey no`)"] = run_network(network, noisy, grey="no")
            outputs[f"{label}, `n2n denoise` (channel shifts)"] = run_network(network, noisy)
        outputs["BM3D, greyscale (σ given)"] = baseline(noisy)
        for name, output in outputs.items():
            rows.append({"photo": photo_file.id, "denoiser": name, "psnr": psnr(quantize(output), clean)})
            print(f"{photo_file.id} {name}: {rows[-1]['psnr']:.2f} dB", flush=True)
    names = list(dict.fromkeys(row["denoiser"] for row in rows))
    means = {name: sum(r["psnr"] for r in rows if r["denoiser"] == name) / len(chosen) for name in names}
    record = {"sigma": args.sigma, "checkpoints": list(others), "photos": [photo.id for photo in chosen], "photo_size": 512,
              "means": means, "rows": rows}
    atomic_write_text(json.dumps(record, indent=2) + "\n", args.out, overwrite=True)
    for name, value in means.items():
        print(f"mean {name}: {value:.2f} dB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
