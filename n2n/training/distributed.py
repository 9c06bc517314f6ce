"""Process-group bookkeeping for ``n2n train`` under ``torchrun`` (DistributedDataParallel), and a single
process otherwise.

``WORLD_SIZE`` > 1 in the environment: NCCL with one GPU per process when CUDA is available, Gloo on CPUs.
Rank 0 validates and writes all files; every process sees the same data, sharded by rank.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from Miniproject_1.others.training import Placement
from n2n.precision import use_bfloat16


class Distributed:
    """This process's place in the run: ``world_size``, ``rank``, ``device`` (its GPU, or the CPU)."""

    def __init__(self) -> None:
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available()
        self.device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world_size > 1:
            dist.init_process_group(backend="nccl" if cuda else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def placement(self) -> Placement:
        """Miniproject_1's view of this process: device, shard and n2n's precision (:mod:`n2n.precision`)."""
        return Placement(self.device, self.rank, self.world_size, use_bfloat16(self.device))

    def barrier(self) -> None:
        if self.world_size > 1:
            dist.barrier()

    def mean(self, value: float) -> float:
        """``value`` averaged over all processes (itself in a single process)."""
        if self.world_size == 1:
            return value
        total = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(total)
        return float(total) / self.world_size

    def close(self) -> None:
        if self.world_size > 1:
            dist.destroy_process_group()
