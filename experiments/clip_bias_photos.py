"""How much of a network's whole-photo error is a bias from clipping: ``python -m experiments.clip_bias_photos``.

A noisy photo file is clipped to [0, 255]. Where the clean value is near black (or white), the
clipped noisy copy is brighter (darker) on average than the clean image: at 0 by about
``sigma / sqrt(2 pi)`` grey levels. A Noise2Noise network trained on unclipped targets should learn to
undo that; this measures how much it leaves. For each validation photo (the noisy copy of ``n2n
evaluate --photos``: short side 512, Gaussian sigma, noise seed 0) and each network (tiled, rounded to
uint8, as ``n2n denoise --grey no`` writes it: the network's own output, without the grey step):

- ``bias``: the mean error (output minus clean) of each RGB channel, grey levels;
- ``psnr`` and ``psnr_without_bias``: PSNR before and after subtracting that per-channel mean (an
  oracle that knows the clean image: it bounds what removing a constant colour cast could gain);
- ``tones``: the mean error and the mean squared error over the pixels (all channels pooled) whose
  clean value lies in each range of :data:`TONES`, for the noisy input too.

Writes ``results/whole_photos/clip_bias.json``.
"""

from __future__ import annotations

import json

import torch

from experiments.photo_options import photo_sweep
from n2n.evaluation.whole_photos import quantize, run_network
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT

RESULTS = REPO_ROOT / "results" / "whole_photos" / "clip_bias.json"
TONES = ((0, 8), (8, 32), (32, 224), (224, 248), (248, 256))  # clean grey levels [low, high)


def bias_breakdown(output: torch.Tensor, clean: torch.Tensor) -> dict:
    """Bias and tone breakdown of ``output`` against ``clean`` (both ``(1, 3, H, W)`` in [0, 255])."""
    error = output.double() - clean.double()
    bias = error.mean(dim=(0, 2, 3))
    unbiased = error - bias.view(1, 3, 1, 1)
    tones = []
    for low, high in TONES:
        inside = (clean >= low) & (clean < high)
        share = float(inside.double().mean())
        tones.append({"low": low, "high": high, "share": share,
                      "mean_error": float(error[inside].mean()) if share else None,
                      "mse": float(error[inside].pow(2).mean()) if share else None})
    return {"psnr": psnr(output, clean), "psnr_without_bias": psnr(clean.double() + unbiased, clean),
            "bias": [round(float(b), 3) for b in bias], "tones": tones}


def main(argv: list[str] | None = None) -> int:
    sweep = photo_sweep(__doc__.splitlines()[0], RESULTS, argv)
    rows = []
    for sigma, photo, noisy in sweep.noisy_copies():
        outputs = {"noisy input": noisy,
                   **{name: quantize(run_network(net, noisy, grey="no")) for name, net in sweep.networks.items()}}
        for name, output in outputs.items():
            rows.append({"sigma": sigma, "photo": photo.id, "denoiser": name, **bias_breakdown(output, photo.clean)})
            row = rows[-1]
            print(f"σ {sigma:g} {photo.id} {name}: {row['psnr']:.2f} dB, without bias {row['psnr_without_bias']:.2f}, "
                  f"bias {row['bias']}", flush=True)
    means = []
    for sigma in sweep.args.sigmas:
        for name in ["noisy input", *sweep.networks]:
            same = [row for row in rows if row["sigma"] == sigma and row["denoiser"] == name]
            means.append({"sigma": sigma, "denoiser": name,
                          "psnr": sum(r["psnr"] for r in same) / len(same),
                          "psnr_without_bias": sum(r["psnr_without_bias"] for r in same) / len(same)})
    record = {"noise_seed": 0, "photo_size": 512, "tones": [list(t) for t in TONES],
              **sweep.provenance("experiments.clip_bias_photos", argv), "means": means, "rows": rows}
    atomic_write_text(json.dumps(record, indent=2) + "\n", sweep.args.out, overwrite=True)
    for mean in means:
        print(f"σ {mean['sigma']:g} {mean['denoiser']}: {mean['psnr']:.2f} dB, without bias {mean['psnr_without_bias']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
