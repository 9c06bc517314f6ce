"""Does a network remove too much or too little? ``python -m experiments.blend_noisy``.

A blind network has to judge the noise level from the image itself. If it judged σ too high on a
photo it would smooth away signal with the noise, and adding back a fraction ``alpha`` of what it
removed, ``output + alpha (noisy - output)``, would raise the PSNR; if it judged σ too low, a negative
``alpha`` would. For each validation photo (the noisy copy of ``n2n evaluate --photos``: short side 512,
Gaussian σ, noise seed 0) and network (tiled, as ``n2n denoise --grey no`` runs it) this scores each
``alpha`` of :data:`ALPHAS` on the uint8 blend, and the ``alpha`` that scores best. ``alpha`` is
chosen here with the clean photo, so the best score is an oracle bound, not a method.

Writes ``results/whole_photos/blend_noisy.json``.
"""

from __future__ import annotations

import json

import torch

from experiments.photo_options import photo_sweep
from n2n.evaluation.whole_photos import quantize, run_network
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT

RESULTS = REPO_ROOT / "results" / "whole_photos" / "blend_noisy.json"
ALPHAS = (-0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1)


def blend(output: torch.Tensor, noisy: torch.Tensor, alpha: float) -> torch.Tensor:
    """``output + alpha (noisy - output)`` rounded to uint8, both ``(1, 3, H, W)`` in [0, 255]."""
    output = output.double()
    return quantize(output + alpha * (noisy.double() - output))


def blend_scores(output: torch.Tensor, noisy: torch.Tensor, clean: torch.Tensor, alphas=ALPHAS) -> dict:
    """PSNR (dB) of each blend against ``clean``, and the best ``alpha`` with its gain over ``alpha = 0``."""
    scores = {alpha: psnr(blend(output, noisy, alpha), clean) for alpha in alphas}
    best = max(scores, key=scores.get)
    plain = psnr(quantize(output), clean)
    return {"psnr": {str(alpha): score for alpha, score in scores.items()}, "plain": plain,
            "best_alpha": best, "best_gain": scores[best] - plain}


def main(argv: list[str] | None = None) -> int:
    sweep = photo_sweep(__doc__.splitlines()[0], RESULTS, argv)
    rows = []
    for sigma, photo, noisy in sweep.noisy_copies():
        for name, net in sweep.networks.items():
            output = run_network(net, noisy, grey="no")
            rows.append({"sigma": sigma, "photo": photo.id, "denoiser": name, **blend_scores(output, noisy, photo.clean)})
            row = rows[-1]
            print(f"σ {sigma:g} {photo.id} {name}: {row['plain']:.2f} dB, best alpha {row['best_alpha']:+g} "
                  f"({row['best_gain']:+.3f} dB)", flush=True)
    means = []
    for sigma in sweep.args.sigmas:
        for name in sweep.networks:
            same = [row for row in rows if row["sigma"] == sigma and row["denoiser"] == name]
            means.append({"sigma": sigma, "denoiser": name,
                          "psnr": {str(a): sum(r["psnr"][str(a)] for r in same) / len(same) for a in ALPHAS},
                          "best_gain_per_photo": sum(r["best_gain"] for r in same) / len(same)})
    record = {"noise_seed": 0, "photo_size": 512, "alphas": list(ALPHAS),
              **sweep.provenance("experiments.blend_noisy", argv), "means": means, "rows": rows}
    atomic_write_text(json.dumps(record, indent=2) + "\n", sweep.args.out, overwrite=True)
    for mean in means:
        scores = ", ".join(f"{a}: {s:.2f}" for a, s in mean["psnr"].items())
        print(f"σ {mean['sigma']:g} {mean['denoiser']}: {scores}; best alpha per photo {mean['best_gain_per_photo']:+.3f} dB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
