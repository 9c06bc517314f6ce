"""Miniproject_1's U-Net on the from-scratch framework vs the same U-Net in torch (autograd).

``python -m experiments.mp2_unet`` builds ``Miniproject_1.model.DEFAULT_ARCH`` twice: torch's
``UNet`` (seeded init) and Miniproject_2's ``UNet`` with those weights copied in (same state_dict
keys). It then

1. times one training step of each (forward, backward, Adam) on a batch of 32 ``3x32x32``
   images: ``--timing-runs`` interleaved runs after two warm-up steps each, median reported;
2. checks that the two compute the same training trajectory: ``--check-steps`` Adam steps from the
   same weights in float64 (weights must agree to rounding), and the same in float32 to show how
   fast float32 rounding differences grow under Adam, and compares each engine's float32 gradient on
   one batch with the exact (float64) one;
3. trains both the same way: same pairs, batches, augmentations, Adam, learning-rate schedule and
   epochs (``TrainingRun``s from the same seed), alternating epoch by epoch so all see the same
   machine load, and evaluates them on every committed validation set after each epoch
   (``n2n.metrics.psnr``; the same ``predict_batches`` pre/post-processing for all). A third run,
   torch with channels-last weights, is the control: the same arithmetic as torch in another float32
   summation order, so its PSNR gap to torch shows how much float32 rounding alone moves the result.

Writes ``results/miniproject_2/unet_scratch_vs_torch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

import torch

from experiments.mp2_parity import torch_optimizer, torch_step
from Miniproject_1.model import BEST_MODEL_PATH, DEFAULT_ARCH
from Miniproject_1.others.unet import UNet as TorchUNet
from Miniproject_2.others.loss import MSE
from Miniproject_2.others.training import (
    TrainConfig,
    TrainingRun,
    framework_step,
    make_optimizer,
    predict_batches,
)
from Miniproject_2.others.unet import UNet as ScratchUNet
from n2n.data.course import load_train_pairs, load_val
from n2n.evaluation.evaluate import available_val_sets
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT as ROOT

OUT = ROOT / "results" / "miniproject_2" / "unet_scratch_vs_torch.json"
DTYPE = torch.float32
# Miniproject_1's training set-up (batch 32, Adam 2e-3), so the two U-Nets are trained alike.
UNET_CONFIG = TrainConfig(batch_size=32, optimizer="adam", lr=2e-3)


def build_pair(seed: int, dtype=DTYPE, control: bool = False) -> dict:
    """``{"scratch": network, "torch": network}`` with identical initial weights (and
    ``"torch_channels_last"``, a third copy, when ``control``)."""
    torch.manual_seed(seed)
    reference = TorchUNet(**DEFAULT_ARCH).to(dtype)
    weights = {name: value.detach().clone() for name, value in reference.state_dict().items()}
    scratch = ScratchUNet(**DEFAULT_ARCH, dtype=dtype)
    scratch.load_state_dict(weights)
    networks = {"scratch": scratch, "torch": reference}
    if control:
        twin = TorchUNet(**DEFAULT_ARCH).to(dtype)
        twin.load_state_dict(weights)
        networks["torch_channels_last"] = twin.to(memory_format=torch.channels_last)
    return networks


def train_steps(networks: dict, config) -> dict:
    """``train_step(x, y, lr) -> loss`` per engine, each with its own Adam."""
    return {name: framework_step(network, make_optimizer(network, config)) if name == "scratch"
            else torch_step(network, torch_optimizer(network, config)) for name, network in networks.items()}


def trajectory_check(pairs: tuple, steps: int, seed: int) -> dict:
    """Max relative difference of the weights (per tensor, over its largest value) between scratch and
    torch after ``steps`` Adam steps (batch 8) from the same weights, in float64 and float32."""
    config = replace(UNET_CONFIG, batch_size=8)
    a, b = pairs[0][:8 * steps], pairs[1][:8 * steps]
    result = {}
    for dtype in (torch.float64, torch.float32):
        networks = build_pair(seed, dtype)
        with torch.no_grad():
            for name, step in train_steps(networks, config).items():
                TrainingRun(len(a), 1, config).epoch(step, a, b, "cpu", dtype, networks["torch"].multiple)
        ours, reference = networks["scratch"].state_dict(), networks["torch"].state_dict()
        worst = max(float((ours[k] - reference[k]).abs().max() / reference[k].abs().max().clamp(min=1e-12)) for k in ours)
        result[str(dtype).replace("torch.", "")] = f"{worst:.1e}"
    return {"steps": steps, "batch_size": 8, "max_relative_weight_difference": result}


def gradient_precision(pairs: tuple, batch_size: int = 32) -> dict:
    """Relative error (L2 norm, worst parameter) of each engine's float32 gradient against torch's float64
    gradient, on one batch of training pairs at Miniproject_1's shipped weights (a trained state: at the
    zero-initialised start most gradients vanish). Both engines are exact in float64, so this measures how
    carefully each rounds in float32."""
    weights = torch.load(BEST_MODEL_PATH, map_location="cpu", weights_only=True)
    arch = {"width": int(weights["head.0.0.weight"].shape[0]), "depth": len({k.split(".")[1] for k in weights if k.startswith("down.")})}
    x, y = (images[:batch_size].to(torch.float64) / 255 for images in pairs)
    gradients = {}
    for dtype in (torch.float64, torch.float32):
        reference = TorchUNet(**arch).to(dtype)
        reference.load_state_dict(weights)
        with torch.enable_grad():
            torch.nn.functional.mse_loss(reference(x.to(dtype)), y.to(dtype)).backward()
        gradients[f"torch_{dtype}"] = {k: p.grad.detach().double() for k, p in reference.named_parameters()}
        scratch = ScratchUNet(**arch, dtype=dtype)
        scratch.load_state_dict({k: v.to(dtype) for k, v in weights.items()})
        loss = MSE()
        with torch.no_grad():
            loss.forward(scratch.forward(x.to(dtype)), y.to(dtype))
            scratch.zero_grad()
            scratch.backward(loss.backward())
        gradients[f"scratch_{dtype}"] = {k: g.double() for k, _, g in scratch.named_parameters()}
    exact = gradients["torch_torch.float64"]

    def worst(found: dict) -> str:
        return f"{max(float((found[k] - exact[k]).norm() / exact[k].norm()) for k in exact):.1e}"

    return {"batch_size": batch_size, "weights": "Miniproject_1/bestmodel.pth",
            "max_relative_gradient_error_vs_torch_float64": {
                "scratch_float64": worst(gradients["scratch_torch.float64"]),
                "torch_float32": worst(gradients["torch_torch.float32"]),
                "scratch_float32": worst(gradients["scratch_torch.float32"])}}


def step_times(config, runs: int, seed: int) -> dict:
    """Median seconds of one training step per engine on a batch of 32 ``3x32x32`` images (fresh networks)."""
    steps = train_steps(build_pair(seed), config)  # no control here: timings are of the two engines
    generator = torch.Generator().manual_seed(seed)
    x, y = torch.rand(32, 3, 32, 32, generator=generator), torch.rand(32, 3, 32, 32, generator=generator)
    times = {name: [] for name in steps}
    with torch.no_grad():
        for run in range(runs + 2):
            for name, step in steps.items():
                start = time.perf_counter()
                step(x, y, config.lr)
                if run >= 2:  # the first two are warm-up
                    times[name].append(time.perf_counter() - start)
    return {name: {"median_s": round(statistics.median(t), 4), "min_s": round(min(t), 4), "runs": len(t)} for name, t in times.items()}


def evaluate(network, val_sets: dict, multiple: int) -> dict:
    with torch.no_grad():
        return {name: round(psnr(predict_batches(network, noisy, "cpu", DTYPE, multiple), clean), 4)
                for name, (noisy, clean) in val_sets.items()}


def gap(record: dict, name: str, val_sets: dict) -> dict:
    return {key: round(record[name]["psnr"][key] - record["torch"]["psnr"][key], 4) for key in val_sets}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "cache" / "data" / "train_data.pkl")
    parser.add_argument("--pairs", type=int, default=10_000, help="first PAIRS training pairs (default 10000 of 50000)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--timing-runs", type=int, default=15)
    parser.add_argument("--check-steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both engines (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--timing-only", action="store_true",
                        help="only measure the step times again and replace them in an existing --out file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    config = UNET_CONFIG
    load_before = os.getloadavg()

    timing = step_times(config, args.timing_runs, args.seed)
    timing["load_average_before"] = [round(v, 2) for v in load_before]
    print(json.dumps({"step_time": timing}), flush=True)
    if args.timing_only:
        if not args.out.is_file():
            raise FileNotFoundError(f"--timing-only updates {args.out}, which does not exist: run without it first")
        result = json.loads(args.out.read_text())
        result["train_step_seconds_batch32_3x32x32"] = timing
        atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
        return 0

    a, b = load_train_pairs(args.data)
    a, b = a[:args.pairs], b[:args.pairs]
    val_sets = {name: load_val(path) for name, path in available_val_sets(ROOT).items()}
    check = trajectory_check((a, b), args.check_steps, args.seed)
    print(json.dumps({"trajectory_check": check}), flush=True)
    precision = gradient_precision((a, b))
    print(json.dumps({"gradient_precision": precision}), flush=True)
    networks = build_pair(args.seed, control=True)
    steps = train_steps(networks, config)
    runs = {name: TrainingRun(len(a), args.epochs, config) for name in networks}
    multiple = networks["torch"].multiple
    initial = evaluate(networks["torch"], val_sets, multiple)  # the identity (zero tail): the noisy input's PSNR
    epochs = []
    for epoch in range(args.epochs):
        record = {"epoch": epoch + 1}
        for name, network in networks.items():
            network.train()
            start = time.perf_counter()
            with torch.no_grad():
                loss = runs[name].epoch(steps[name], a, b, "cpu", DTYPE, multiple)
            record[name] = {"loss": round(loss, 7), "seconds": round(time.perf_counter() - start, 2), "psnr": evaluate(network, val_sets, multiple)}
        epochs.append(record)
        print(json.dumps(record), flush=True)

    final = epochs[-1]
    result = {
        "what": "Miniproject_1's U-Net (DEFAULT_ARCH) on the from-scratch framework vs in torch with autograd: same initial "
                "weights (copied), pairs, batches, augmentations, Adam and learning-rate schedule (Miniproject_2's TrainingRun: "
                "cosine decay, no warm-up), float32 on the CPU; torch_channels_last is a control run (torch, other float32 "
                "summation order)",
        "budget": f"first {len(a)} of the 50000 stand-in training pairs, {args.epochs} epoch(s), {args.threads} torch thread(s) "
                  "on the 2-core CPU (load averages recorded): a comparison of the two engines at one budget",
        "arch": dict(DEFAULT_ARCH), "config": config.as_dict(), "pairs": len(a), "epochs": args.epochs,
        "threads": args.threads, "torch_version": torch.__version__,
        "load_average_before": [round(v, 2) for v in load_before], "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "train_step_seconds_batch32_3x32x32": timing,
        "trajectory_check": check,
        "gradient_precision": precision,
        "psnr_before_training": initial,
        "per_epoch": epochs,
        "final_psnr": {name: final[name]["psnr"] for name in networks},
        "final_psnr_scratch_minus_torch_db": gap(final, "scratch", val_sets),
        "final_psnr_control_minus_torch_db": gap(final, "torch_channels_last", val_sets),
        "seconds_per_epoch": {name: round(sum(e[name]["seconds"] for e in epochs) / len(epochs), 2) for name in networks},
    }
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out, overwrite=True)
    print(json.dumps({k: result[k] for k in ("final_psnr_scratch_minus_torch_db", "final_psnr_control_minus_torch_db", "seconds_per_epoch")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
