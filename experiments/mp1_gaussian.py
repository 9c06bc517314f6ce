"""Noise2Noise vs Noise2Clean on Gaussian noise (sigma = 25), Miniproject_1's network and training loop.

``python -m experiments.mp1_gaussian --target noisy-raw|noisy|clean``: corrupts the clean
training crops (``train_clean.pkl``) with two independent Gaussian draws. The input is always copy a,
clipped to [0, 255] and rounded to uint8 like the validation images. The target is

- ``noisy-raw`` (Noise2Noise as in the paper): copy b unclipped, so its noise is zero-mean;
- ``noisy`` (Noise2Noise on image files): copy b clipped and rounded like the course data, whose
  noise is biased near black and white (the mean of a clipped Gaussian is not the clean value);
- ``clean`` (Noise2Clean): the clean crop.

Everything else (network, seed, schedule, epochs, sample order, rotations/flips; no input/target
swap, which Noise2Clean cannot use) is identical. Validation PSNR is measured after every epoch.
Writes ``results/miniproject_1/gaussian25_<n2n_raw|n2n|n2c>.json`` and the weights under
``cache/miniproject_1/``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from Miniproject_1.model import DEFAULT_ARCH
from Miniproject_1.others.inference import denoise
from Miniproject_1.others.training import Placement, TrainConfig, fit
from Miniproject_1.others.unet import UNet
from n2n.data.course import load_val
from n2n.data.noise import parse_noise
from n2n.fileio import atomic_torch_save, atomic_write_text
from n2n.metrics import psnr
from n2n.precision import use_bfloat16

CPU = torch.device("cpu")

# --target -> (file name, method label)
METHODS = {
    "noisy-raw": ("n2n_raw", "Noise2Noise (zero-mean targets)"),
    "noisy": ("n2n", "Noise2Noise (clipped targets)"),
    "clean": ("n2c", "Noise2Clean"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", choices=list(METHODS), required=True)
    parser.add_argument("--clean", type=Path, default=Path("cache/data/train_clean.pkl"))
    parser.add_argument("--val", type=Path, default=Path("data/val_gaussian25.pkl"))
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    clean = torch.load(args.clean, map_location="cpu", weights_only=True)[: args.pairs]
    generator = torch.Generator().manual_seed(args.seed + 1234)
    a, b = parse_noise("gaussian:25").corrupt_pair(clean, generator, raw_second=args.target == "noisy-raw")
    target = clean if args.target == "clean" else b
    # No input/target swap anywhere: Noise2Clean cannot use it and the raw target is no valid input.
    config = TrainConfig(seed=args.seed, swap=False)
    torch.manual_seed(config.seed)
    network = UNet(**DEFAULT_ARCH).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
    noisy_val, clean_val = load_val(args.val)

    def validate(epoch: int, net: UNet) -> dict:
        value = psnr(denoise(net, noisy_val, CPU, net.multiple, use_bfloat16(CPU)), clean_val)
        print(json.dumps({"epoch": epoch, "val_psnr": value}), flush=True)
        return {"val_psnr": value}

    history = fit(network, optimizer, a, target, args.epochs, config, Placement(CPU, bfloat16=use_bfloat16(CPU)),
                  on_epoch=validate)
    seconds = sum(record["seconds"] for record in history)  # training only, not validation
    value = history[-1]["val_psnr"]
    name, method = METHODS[args.target]
    atomic_torch_save(network.state_dict(), Path(f"cache/miniproject_1/gaussian25_{name}.pth"), overwrite=True)
    result = {
        "method": method, "target": args.target, "arch": DEFAULT_ARCH, "pairs": int(a.shape[0]),
        "epochs": args.epochs, "config": config.as_dict(), "threads": args.threads, "train_seconds": round(seconds, 1),
        "history": history, "val_set": str(args.val), "val_psnr": value, "noisy_psnr": psnr(noisy_val, clean_val),
    }
    atomic_write_text(json.dumps(result, indent=2) + "\n", Path(f"results/miniproject_1/gaussian25_{name}.json"), overwrite=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
