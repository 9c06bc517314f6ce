"""``python -m n2n.training ARGS`` (or ``torchrun --nproc_per_node=N -m n2n.training ARGS``): same as ``n2n train``.

Under ``torchrun`` the ``torch`` engine trains with DistributedDataParallel (NCCL on GPUs,
Gloo on CPUs); ``--batch-size`` stays the global batch.
"""

from __future__ import annotations

import argparse
import sys

from n2n.training.options import add_arguments
from n2n.training.run import run_training


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m n2n.training")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run_training(args)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"n2n train: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
