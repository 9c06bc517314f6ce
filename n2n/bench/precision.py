"""Float32 vs bfloat16 autocast for Miniproject_1's U-Net on this CPU: ``python -m n2n.bench.precision``.

For each set-up (U-Net width x depth, batch, crop size) it times one Adam training step (forward
under autocast, MSE loss in float32, backward, step; channels-last) and one inference pass of a
512x512 image, float32 and bfloat16 interleaved so that both see the same machine load; medians
and the speed-up go to ``results/bench/precision.json``. Speed only: what bfloat16 does to PSNR is
measured by training with it (see docs/methods/speed.md).
"""

from __future__ import annotations

import argparse
import json
import statistics

import torch
import torch.nn.functional as F

from Miniproject_1.others.unet import UNet
from n2n.bench.timing import machine_record, time_interleaved
from n2n.fileio import atomic_write_text
from n2n.paths import REPO_ROOT
from n2n.precision import cpu_has_native_bfloat16, use_bfloat16

RESULTS = REPO_ROOT / "results" / "bench" / "precision.json"
SETUPS = {"32x3/b32/32px": (32, 3, 32, 32), "48x4/b16/64px": (48, 4, 16, 64), "40x5/b8/96px": (40, 5, 8, 96)}


class TrainStep:
    """One Adam step of a ``UNet(width, depth, widths=widths)`` on ``batch`` random crops of ``size`` px.

    ``name`` labels the step in :func:`~n2n.bench.framework.time_interleaved` (default: the precision)."""

    def __init__(self, width: int, depth: int, batch: int, size: int, bfloat16: bool, widths=None, name: str | None = None) -> None:
        torch.manual_seed(0)
        self.name = name or ("bfloat16" if bfloat16 else "float32")
        self.network = UNet(width, depth, widths=widths).to(memory_format=torch.channels_last)
        self.optimizer = torch.optim.Adam(self.network.parameters(), lr=1e-4)
        generator = torch.Generator().manual_seed(0)
        self.x, self.y = (torch.rand(batch, 3, size, size, generator=generator).contiguous(memory_format=torch.channels_last)
                          for _ in range(2))
        self.bfloat16 = bfloat16

    def __call__(self) -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16):
            output = self.network(self.x)
        loss = F.mse_loss(output.float(), self.y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()


class PredictStep(TrainStep):
    """Inference on one 512x512 image."""

    def __init__(self, width: int, depth: int, bfloat16: bool, widths=None, name: str | None = None) -> None:
        super().__init__(width, depth, 1, 512, bfloat16, widths, name)

    def __call__(self) -> None:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16):
            self.network(self.x)


def medians(steps, runs: int, warmup: int) -> dict:
    times = time_interleaved(steps, runs, warmup)
    result = {name: statistics.median(values) for name, values in times.items()}
    result["speedup"] = result["float32"] / result["bfloat16"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.bench.precision", description=(
        "Float32 against bfloat16 autocast for Miniproject_1's U-Net on this CPU: the time of a training step and of "
        "an inference (lower is better)."))
    parser.add_argument("--runs", type=int, default=10, help="timed runs per precision (median reported)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--setups", nargs="+", choices=sorted(SETUPS), default=list(SETUPS),
                        help="U-Net width x depth / batch / crop set-ups to time (default: all)")
    parser.add_argument("--out", default=str(RESULTS), help="results JSON (overwritten)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    for width, depth, batch, size in (SETUPS[name] for name in args.setups):
        train = medians([TrainStep(width, depth, batch, size, b) for b in (False, True)], args.runs, 2)
        predict = medians([PredictStep(width, depth, b) for b in (False, True)], args.runs, 2)
        row = {"width": width, "depth": depth, "batch": batch, "crop": size,
               "train_step_seconds": train, "predict_512_seconds": predict}
        rows.append(row)
        print(f"{width}x{depth} batch {batch} of {size}px: train step {train['float32']:.3f} s fp32, {train['bfloat16']:.3f} s bf16 "
              f"({train['speedup']:.2f}x); predict 512px {predict['float32']:.3f} s / {predict['bfloat16']:.3f} s ({predict['speedup']:.2f}x)",
              flush=True)
    result = {"rows": rows, "threads": args.threads, "runs": args.runs, **machine_record(),
              "native_bfloat16": cpu_has_native_bfloat16(), "auto_picks_bfloat16": use_bfloat16(torch.device("cpu"))}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
