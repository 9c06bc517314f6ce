"""How fast the shipped Miniproject_1 network denoises a large photo, by tile size and execution mode:
``python -m n2n.bench.photo_speed``.

Each variant denoises the same ``--height x --width`` noisy image (a synthetic pattern plus Gaussian noise,
seeded: speed does not depend on content) the way ``n2n denoise`` does, through
:func:`n2n.inference.tiling.denoise_tiled`. Variants differ in tile size (the overlap stays 64 px, so a larger
tile recomputes a smaller share of the photo) and in how the network runs: eager PyTorch as shipped, or
``torch.compile`` (Inductor fuses the pointwise work between convolutions: activations, pooling,
upsampling, concatenation). Variants are interleaved so that all see the same machine load; the medians,
the speed-ups against the shipped set-up and each output's largest difference from the shipped output
go to ``results/bench/photo_speed.json``. Speed only: PSNR is the business of ``n2n evaluate --photos``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import torch

from Miniproject_1.model import Model
from Miniproject_1.others.inference import denoise
from n2n.bench.timing import time_interleaved
from n2n.fileio import atomic_write_text
from n2n.inference.tiling import denoise_tiled
from n2n.paths import REPO_ROOT
from n2n.precision import use_bfloat16

RESULTS = REPO_ROOT / "results" / "bench" / "photo_speed.json"
SHIPPED_TILE, OVERLAP = 512, 64


def noisy_image(height: int, width: int, sigma: float = 25.0) -> torch.Tensor:
    """``uint8 (1, 3, height, width)``: smooth colour gradients and stripes plus seeded Gaussian noise."""
    generator = torch.Generator().manual_seed(0)
    rows = torch.linspace(0, 1, height)[:, None].expand(height, width)
    columns = torch.linspace(0, 1, width)[None, :].expand(height, width)
    clean = torch.stack([rows * 200 + 20, columns * 180 + 40, 128 + 60 * torch.sin(40 * rows + 25 * columns)])
    noise = torch.randn((3, height, width), generator=generator) * sigma
    return (clean + noise).round().clamp(0, 255).to(torch.uint8)[None]


class Variant:
    """Denoise one image with the shipped network at ``tile`` px tiles, eager or compiled."""

    def __init__(self, image: torch.Tensor, tile: int, compiled: bool) -> None:
        model = Model()
        model.load_pretrained_model()
        self.network = torch.compile(model.network, dynamic=False) if compiled else model.network
        self.multiple = model.network.multiple
        self.device = model.device
        self.image, self.tile = image, tile
        self.name = f"tile {tile}, {'torch.compile' if compiled else 'eager'}"
        self.output = None

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        return denoise(self.network, images, self.device, self.multiple, use_bfloat16(self.device))

    def __call__(self) -> None:
        self.output = denoise_tiled(self.predict, self.image, tile=self.tile, overlap=OVERLAP)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.bench.photo_speed", description=(
        "How fast the shipped Miniproject_1 network denoises a large photo, by tile size and execution mode "
        "(seconds, lower is better)."))
    parser.add_argument("--height", type=int, default=1536)
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--tiles", type=int, nargs="+", default=[512, 768, 1024])
    parser.add_argument("--compile", action="store_true", help="also time torch.compile at each tile size")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per variant (median reported)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS), help="results JSON (overwritten)")
    args = parser.parse_args(argv)
    if SHIPPED_TILE not in args.tiles:
        raise ValueError(f"--tiles must include the shipped tile size {SHIPPED_TILE}, the reference of the speed-ups")
    torch.set_num_threads(args.threads)
    image = noisy_image(args.height, args.width)
    variants = [Variant(image, tile, compiled) for compiled in ((False, True) if args.compile else (False,))
                for tile in args.tiles]
    load_before = os.getloadavg()
    times = time_interleaved(variants, args.runs, warmup=1)
    reference = next(v for v in variants if v.tile == SHIPPED_TILE and v.name.endswith("eager"))
    base = statistics.median(times[reference.name])
    megapixels = args.height * args.width / 1e6
    rows = []
    for variant in variants:
        seconds = statistics.median(times[variant.name])
        difference = (variant.output - reference.output).abs().max().item()
        rows.append({"variant": variant.name, "tile": variant.tile, "seconds": round(seconds, 3),
                     "seconds_per_megapixel": round(seconds / megapixels, 3), "speedup": round(base / seconds, 3),
                     "max_abs_difference_from_shipped": round(difference, 3), "runs": times[variant.name]})
        print(f"{variant.name}: {seconds:.2f} s ({seconds / megapixels:.2f} s/MP, {base / seconds:.2f}x), "
              f"largest difference from the shipped output {difference:.2f} grey levels", flush=True)
    result = {"image": [args.height, args.width], "overlap": OVERLAP, "rows": rows, "threads": args.threads,
              "runs": args.runs, "torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
              "load_average_before": load_before, "load_average_after": os.getloadavg(),
              "date": time.strftime("%Y-%m-%d")}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
