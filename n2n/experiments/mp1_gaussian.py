"""Noise2Noise vs Noise2Clean on Gaussian noise (sigma = 25), Miniproject_1's network and training loop.

``python -m n2n.experiments.mp1_gaussian --target noisy`` (Noise2Noise) or ``--target clean``
(Noise2Clean): corrupts the clean training crops (``train_clean.pkl``) with two independent
Gaussian draws; Noise2Noise learns copy a -> copy b, Noise2Clean learns the same copy a -> clean.
Everything else (network, seed, schedule, epochs, order, rotations/flips) is identical, except
that Noise2Clean cannot swap input and target (that would teach clean -> noisy). Writes
``results/miniproject_1/gaussian25_<n2n|n2c>.json`` and the weights under ``cache/miniproject_1/``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from Miniproject_1.model import DEFAULT_ARCH
from Miniproject_1.others.inference import denoise
from Miniproject_1.others.training import TrainConfig, fit
from Miniproject_1.others.unet import UNet
from n2n.data.course import load_val
from n2n.data.noise import parse_noise
from n2n.fileio import atomic_torch_save, atomic_write_text
from n2n.metrics import psnr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", choices=["noisy", "clean"], required=True)
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
    a, b = parse_noise("gaussian:25").corrupt_pair(clean, generator)
    target = b if args.target == "noisy" else clean
    # Swapping input and target is only valid when both are noisy copies.
    config = TrainConfig(seed=args.seed, swap=args.target == "noisy")
    torch.manual_seed(config.seed)
    network = UNet(**DEFAULT_ARCH).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
    start = time.perf_counter()
    history = fit(network, optimizer, a, target, args.epochs, config, torch.device("cpu"))
    seconds = time.perf_counter() - start
    noisy_val, clean_val = load_val(args.val)
    value = psnr(denoise(network, noisy_val, torch.device("cpu"), network.multiple), clean_val)
    name = "n2n" if args.target == "noisy" else "n2c"
    atomic_torch_save(network.state_dict(), Path(f"cache/miniproject_1/gaussian25_{name}.pth"), overwrite=True)
    result = {
        "method": "Noise2Noise" if name == "n2n" else "Noise2Clean", "arch": DEFAULT_ARCH, "pairs": int(a.shape[0]),
        "epochs": args.epochs, "config": config.as_dict(), "threads": args.threads, "train_seconds": round(seconds, 1),
        "history": history, "val_set": str(args.val), "val_psnr": value, "noisy_psnr": psnr(noisy_val, clean_val),
    }
    atomic_write_text(json.dumps(result, indent=2) + "\n", Path(f"results/miniproject_1/gaussian25_{name}.json"), overwrite=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
