"""n2n bench framework: times one training step on the from-scratch framework and on its torch.nn twin, on four
paths (the course network with the fused Upsampling block, with NearestUpsampling + Conv2d, with TransposeConv2d,
and the U-Net), interleaved in one process (medians in ms, lower is better), and measures the peak memory of a step;
writes results/framework/step_benchmark.json and the README table."""

from __future__ import annotations

from n2n.bench import framework as bench


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="benchmark the from-scratch framework against torch.nn", description=__doc__)
    bench.add_arguments(parser)
    parser.set_defaults(func=bench.run)
