"""What clipping the Noise2Noise target costs on Gaussian noise: an exact bias, an estimated PSNR loss.

``python -m experiments.mp1_clip_bias`` needs no training. Noise2Noise learns the mean of its
targets. A noisy copy saved as an image is clipped to [0, 255], and the mean of a clipped Gaussian
is not the clean value: for ``X ~ N(c, sigma^2)``,

    E[clip(X, 0, 255)] = 255 P(X > 255) + c P(0 < X < 255) + sigma (phi(a) - phi(b)),
    a = -c / sigma,  b = (255 - c) / sigma,

so a network trained to the optimum on clipped targets outputs ``c + bias(c)`` where Noise2Clean
outputs ``c``. Applying that bias to the Noise2Clean network's output on ``val_gaussian25`` (the
clean values are known there) estimates the PSNR that clipped targets cost at convergence. Writes
``results/miniproject_1/gaussian25_clip_bias.json``.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import torch

from n2n.data.course import load_val
from n2n.fileio import atomic_write_text
from n2n.inference import denoisers
from n2n.metrics import psnr

OUT = Path("results/miniproject_1/gaussian25_clip_bias.json")


def clipped_gaussian_bias(clean: torch.Tensor, sigma: float, low: float = 0.0, high: float = 255.0) -> torch.Tensor:
    """``E[clip(c + sigma Z, low, high)] - c`` for every value ``c`` of ``clean`` (float64, same shape)."""
    c = clean.to(torch.float64)
    a, b = (low - c) / sigma, (high - c) / sigma

    def cdf(z: torch.Tensor) -> torch.Tensor:
        return 0.5 * (1.0 + torch.erf(z / math.sqrt(2.0)))

    def pdf(z: torch.Tensor) -> torch.Tensor:
        return torch.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)

    mean = low * cdf(a) + high * (1.0 - cdf(b)) + c * (cdf(b) - cdf(a)) + sigma * (pdf(a) - pdf(b))
    return mean - c


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val", type=Path, default=Path("data/val_gaussian25.pkl"))
    parser.add_argument("--sigma", type=float, default=25.0)
    parser.add_argument("--n2c", type=Path, default=Path("cache/miniproject_1/gaussian25_n2c.pth"),
                        help="Noise2Clean weights (python -m experiments.mp1_gaussian --target clean)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not args.n2c.is_file():
        raise FileNotFoundError(f"{args.n2c} not found: train it with python -m experiments.mp1_gaussian --target clean")
    noisy, clean = load_val(args.val)
    bias = clipped_gaussian_bias(clean, args.sigma)
    n2c_output = denoisers.miniproject1(args.n2c)(noisy).to(torch.float64)
    result = {
        "what": "Noise2Clean output vs the same output plus the bias of clipped noisy targets, on the validation set",
        "val_set": str(args.val), "sigma": args.sigma, "n2c_weights": str(args.n2c),
        "mean_squared_bias": float((bias**2).mean()),  # on the 0-255 scale
        "pixels_within_2_sigma_of_black_or_white": float(((clean < 2 * args.sigma) | (clean > 255 - 2 * args.sigma)).double().mean()),
        "n2c_psnr": psnr(n2c_output, clean),
        "n2c_plus_clip_bias_psnr": psnr(n2c_output + bias, clean),
    }
    result["estimated_cost_db"] = result["n2c_plus_clip_bias_psnr"] - result["n2c_psnr"]
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
