"""What non-local filtering could add to the network: ``python -m experiments.pilot_wiener``.

BM3D's second stage is a Wiener filter over groups of similar blocks, matched on a first estimate of the
clean image (its "pilot"). Giving it the network's output as the pilot, with the true σ, asks what a
non-local step after the network could buy on whole photos, where the network's σ = 15 loss to BM3D lies
at repeated edges (README, *Where the σ = 15 loss lies*). This is a diagnostic, not a denoiser to ship: it
needs σ and costs BM3D's time (tens of seconds for a 0.4-megapixel photo).

For each validation photo (short side 512, Gaussian σ, noise seed 0, as ``n2n evaluate --photos``) it
scores the network as ``n2n denoise`` runs it, BM3D's Wiener stage on the network's pilot, and the mean
of the two; BM3D itself comes from the evaluation's cache. The Wiener stage works in BM3D's opponent
colour space; blocks are matched on the luma channel and the matches reused for the two chroma channels,
as ``bm3d.bm3d_rgb`` does. Writes ``results/whole_photos/pilot_wiener.json``. Needs the ``baselines``
extra (BM3D).
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import torch

from experiments.photo_options import add_checkpoint_options, networks
from Miniproject_1.model import BEST_MODEL_PATH
from n2n.evaluation.whole_photos import BM3D, evaluate_photos, format_table, validation_photos
from n2n.fileio import atomic_write_text
from n2n.inference.denoisers import Denoiser
from n2n.inference.photo import denoise_photo
from n2n.paths import REPO_ROOT

RESULTS = REPO_ROOT / "results" / "whole_photos" / "pilot_wiener.json"


def wiener_stage(noisy: torch.Tensor, pilot: torch.Tensor, sigma: float) -> torch.Tensor:
    """BM3D's Wiener stage on ``noisy`` ``(1, 3, H, W)`` in [0, 255] with ``pilot`` (same shape) as its clean
    estimate and noise ``sigma`` (0-255 scale). Returns float32 ``(1, 3, H, W)`` in about [0, 255]."""
    import bm3d

    if noisy.shape != pilot.shape or noisy.dim() != 4 or noisy.shape[:2] != (1, 3):
        raise ValueError(f"expected noisy and pilot of one shape (1, 3, H, W), got {tuple(noisy.shape)} and {tuple(pilot.shape)}")
    z = noisy[0].permute(1, 2, 0).double().numpy() / 255.0
    p = pilot[0].permute(1, 2, 0).double().clamp(0, 255).numpy() / 255.0
    z_opp, top, bottom, scale, forward = bm3d.rgb_to(z, "opp")
    p_opp = ((p.reshape(-1, 3) @ forward.T - bottom) / (top - bottom)).reshape(p.shape)  # z's normalisation
    sigmas = sigma / 255.0 * np.sqrt(scale)
    luma, matches = bm3d.bm3d(z_opp[..., 0], sigmas[0], stage_arg=p_opp[..., 0], blockmatches=(False, True))
    channels = [np.asarray(luma).reshape(z.shape[:2])]
    for c in (1, 2):
        out = bm3d.bm3d(z_opp[..., c], sigmas[c], stage_arg=p_opp[..., c], blockmatches=matches)
        channels.append(np.asarray(out[0] if isinstance(out, tuple) else out).reshape(z.shape[:2]))
    rgb, *_ = bm3d.rgb_to(np.stack(channels, -1), "opp", True, top, bottom)
    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).unsqueeze(0).float() * 255.0


def pilot_denoisers(network: Denoiser, sigma: float) -> dict[str, Denoiser]:
    """``{label: noisy (1, 3, H, W) -> output}``: the Wiener stage on the network's pilot, and the mean of the
    two outputs. The network runs as ``n2n denoise`` runs it (tiled, grey step); the pair shares one run."""
    last: dict = {}

    def both(noisy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if last.get("noisy") is not noisy:
            pilot = denoise_photo(network, noisy)[0]
            last.update(noisy=noisy, pilot=pilot, wiener=wiener_stage(noisy, pilot, sigma))
        return last["pilot"], last["wiener"]

    def wiener(noisy: torch.Tensor) -> torch.Tensor:
        return both(noisy)[1]

    def mean(noisy: torch.Tensor) -> torch.Tensor:
        pilot, filtered = both(noisy)
        return (pilot + filtered) / 2

    for fn in (wiener, mean):
        fn.whole_image = True  # the network inside is tiled already
    return {"network + BM3D Wiener stage (σ given)": wiener, "mean of network and Wiener stage": mean}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_checkpoint_options(parser, "Miniproject_1 weights (default: the shipped bestmodel.pth)", RESULTS)
    parser.add_argument("--sigmas", type=float, nargs="+", default=[15.0, 25.0, 50.0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    (label, network), = networks(args.checkpoint[:1] or [BEST_MODEL_PATH]).items()
    photos = validation_photos()
    results = []
    for sigma in args.sigmas:
        result = evaluate_photos(photos, {f"{label} (`n2n denoise`)": network, **pilot_denoisers(network, sigma)},
                                 sigmas=[sigma], baselines=(BM3D,), progress=False)
        print(format_table(result), flush=True)
        results.append(result)
    record = {"checkpoint": label, "command": "python -m experiments.pilot_wiener " + " ".join(sys.argv[1:] if argv is None else argv),
              "means": [row for result in results for row in result["means"]],
              "rows": [row for result in results for row in result["rows"]]}
    atomic_write_text(json.dumps(record, indent=2) + "\n", args.out, overwrite=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
