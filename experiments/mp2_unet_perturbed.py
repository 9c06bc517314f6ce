"""How far float32 rounding alone moves the U-Net's first epoch: the control for ``mp2_unet``.

``python -m experiments.mp2_unet_perturbed`` repeats epoch 1 of ``mp2_unet``'s run (same pairs,
batches, Adam, schedule planned over the same number of epochs) for the scratch and the torch U-Net,
both starting from the same weights multiplied by ``1 + perturbation * N(0, 1)`` (one draw, shared).
A relative change of 1e-6 is float32 rounding noise, so the spread between these runs and the
unperturbed ones in ``unet_scratch_vs_torch.json`` is the PSNR noise of a single training run;
a real difference between the engines would show as a gap well beyond it.

Writes ``results/miniproject_2/unet_perturbed_epoch1.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from experiments.mp2_unet import (
    DTYPE,
    ROOT,
    UNET_CONFIG,
    build_pair,
    evaluate,
    train_steps,
)
from Miniproject_2.others.training import TrainingRun
from n2n.data.course import load_train_pairs, load_val
from n2n.evaluation.evaluate import available_val_sets
from n2n.fileio import atomic_write_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "cache" / "data" / "train_data.pkl")
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--planned-epochs", type=int, default=2, help="epochs the learning-rate schedule spans (as in mp2_unet)")
    parser.add_argument("--perturbation", type=float, default=1e-6)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "miniproject_2" / "unet_perturbed_epoch1.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    a, b = load_train_pairs(args.data)
    a, b = a[:args.pairs], b[:args.pairs]
    val_sets = {name: load_val(path) for name, path in available_val_sets(ROOT).items()}
    networks = build_pair(args.seed)
    noise = torch.Generator().manual_seed(args.seed + 1)
    factors = {name: 1 + args.perturbation * torch.randn(value.shape, generator=noise)
               for name, value in networks["torch"].state_dict().items()}
    with torch.no_grad():
        for name, value in networks["torch"].named_parameters():
            value.mul_(factors[name])
        for name, value, _ in networks["scratch"].named_parameters():
            value.mul_(factors[name])
    steps = train_steps(networks, UNET_CONFIG)
    runs = {}
    for name, network in networks.items():
        network.train()
        start = time.perf_counter()
        with torch.no_grad():
            loss = TrainingRun(len(a), args.planned_epochs, UNET_CONFIG).epoch(steps[name], a, b, "cpu", DTYPE, network.multiple)
        runs[name] = {"loss": round(loss, 7), "seconds": round(time.perf_counter() - start, 2), "psnr": evaluate(network, val_sets, network.multiple)}
        print(json.dumps({name: runs[name]}), flush=True)
    result = {"what": __doc__.split("\n\n")[1].replace("\n", " "), "pairs": len(a), "planned_epochs": args.planned_epochs,
              "epochs_run": 1, "perturbation": args.perturbation, "threads": args.threads, "epoch_1": runs}
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
