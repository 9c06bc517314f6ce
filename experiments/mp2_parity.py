"""Parity run: Miniproject_2's network trained on the framework vs its torch.nn twin trained the same way.

``python -m experiments.mp2_parity`` builds the shipped architecture (``Miniproject_2.model``'s
defaults), copies its initial weights into the torch.nn twin, and trains both with the same
optimizer, learning-rate schedule, batches, augmentations and epochs (two ``TrainingRun``s from the
same seed), alternating epoch by epoch so both see the same machine load. After every epoch both
are evaluated on the committed validation sets. Writes ``results/miniproject_2/parity.json``
(per-epoch loss, PSNR and seconds for both) and ``parity_loss.csv`` (the loss of every step).

``--dtype float64`` runs both engines in float64 (``parity_float64.json``, ``parity_float64_loss.csv``).
In float32 the two engines round differently (other summation orders), and Adam amplifies those
last-bit differences until the trajectories are different training runs; in float64 they stay
together for much longer, so the run checks that both compute the same training, not just similar
ones. ``--control`` adds a third engine: the torch twin with channels-last weights, the same
arithmetic in another float32 summation order, whose distance to torch is the size of rounding
noise alone.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from pathlib import Path

import torch

from Miniproject_2.model import DEFAULT_ARCH, DEFAULT_CONFIG, MULTIPLE
from Miniproject_2.others.network import course_network
from Miniproject_2.others.training import (
    TrainingRun,
    framework_step,
    make_optimizer,
    predict_batches,
)
from n2n.bench.twins import twin_of
from n2n.data.course import load_train_pairs, load_val
from n2n.evaluation.evaluate import available_val_sets
from n2n.fileio import atomic_write_text
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT as ROOT
from n2n.report.readme_blocks import replace_block

DTYPES = {"float32": torch.float32, "float64": torch.float64}
RESULTS = ROOT / "results" / "miniproject_2"


def torch_step(twin: torch.nn.Module, optimizer: torch.optim.Optimizer):
    """``train_step(x, y, lr) -> loss`` for the torch.nn twin, with autograd."""

    def train_step(x, y, lr):
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad()
        with torch.enable_grad():
            loss = torch.nn.functional.mse_loss(twin(x), y)
            loss.backward()
        optimizer.step()
        return float(loss)

    return train_step


def torch_optimizer(twin: torch.nn.Module, config):
    if config.optimizer == "adam":
        return torch.optim.Adam(twin.parameters(), lr=config.lr, foreach=False)
    return torch.optim.SGD(twin.parameters(), lr=config.lr, momentum=config.momentum, foreach=False)


def evaluate(network, val_sets: dict, dtype: torch.dtype = torch.float32) -> dict:
    with torch.no_grad():
        return {name: round(psnr(predict_batches(network, noisy, "cpu", dtype, MULTIPLE), clean), 4)
                for name, (noisy, clean) in val_sets.items()}


def readme_table(result: dict) -> str:
    lines = ["| epoch | loss, framework | loss, torch | mixed PSNR, framework | mixed PSNR, torch | seconds, framework | seconds, torch |",
             "|---|---|---|---|---|---|---|"]
    for e in result["per_epoch"]:
        f, t = e["framework"], e["torch"]
        lines.append(f"| {e['epoch']} | {f['loss']:.6f} | {t['loss']:.6f} | {f['psnr']['mixed']:.3f} | {t['psnr']['mixed']:.3f} | {f['seconds']:.0f} | {t['seconds']:.0f} |")
    def listed(differences: dict) -> str:
        return ", ".join(f"{name} {value:+.4f}" for name, value in differences.items())

    control = result.get("final_psnr_control_minus_torch_db")
    control_text = f" Control (torch channels-last − torch, dB): {listed(control)}." if control else ""
    return (f"{result['pairs']} pairs, {result['epochs']} epochs, {result.get('dtype', 'float32')}, {result['threads']} CPU thread(s). "
            f"Final PSNR difference (framework − torch, dB): {listed(result['final_psnr_difference_db'])}.{control_text} "
            f"Time per epoch, framework / torch: {result['seconds_per_epoch_ratio']:.2f}×.\n\n" + "\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "cache" / "data" / "train_data.pkl")
    parser.add_argument("--pairs", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--dtype", choices=list(DTYPES), default="float32")
    parser.add_argument("--control", action="store_true", help="add torch with channels-last weights (rounding-noise control)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    parser.add_argument("--readme-only", action="store_true", help="only refresh the README table from OUT_DIR/parity.json")
    args = parser.parse_args(argv)
    if args.readme_only:
        replace_block("mp2:parity", readme_table(json.loads((args.out_dir / "parity.json").read_text())))
        float64 = args.out_dir / "parity_float64.json"
        if float64.is_file():
            replace_block("mp2:parity64", readme_table(json.loads(float64.read_text())))
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    a, b = load_train_pairs(args.data)
    a, b = a[:args.pairs], b[:args.pairs]
    val_sets = {name: load_val(path) for name, path in available_val_sets(ROOT).items()}
    config, arch = DEFAULT_CONFIG, dict(DEFAULT_ARCH)

    dtype = DTYPES[args.dtype]
    torch.manual_seed(config.seed)
    network = course_network(tuple(arch["widths"]), arch["kernel_size"], arch["upsampling"]).to(dtype=dtype)
    twin = twin_of(network, tuple(arch["widths"]), arch["kernel_size"], arch["upsampling"])
    engines = {
        "framework": (network, framework_step(network, make_optimizer(network, config))),
        "torch": (twin, torch_step(twin, torch_optimizer(twin, config))),
    }
    if args.control:
        control = twin_of(network, tuple(arch["widths"]), arch["kernel_size"], arch["upsampling"]).to(memory_format=torch.channels_last)
        engines["torch_channels_last"] = (control, torch_step(control, torch_optimizer(control, config)))
    runs = {name: TrainingRun(len(a), args.epochs, config) for name in engines}
    step_losses = {name: [] for name in engines}
    epochs = []
    for epoch in range(args.epochs):
        record = {"epoch": epoch + 1}
        for name, (net, step) in engines.items():
            net.train()
            start = time.perf_counter()
            with torch.no_grad():
                loss = runs[name].epoch(step, a, b, "cpu", dtype, MULTIPLE, on_step=lambda _, v, n=name: step_losses[n].append(v))
            record[name] = {"loss": loss, "seconds": round(time.perf_counter() - start, 2), "psnr": evaluate(net, val_sets, dtype)}
        epochs.append(record)
        print(json.dumps(record), flush=True)

    final = epochs[-1]
    result = {
        "what": "course network trained on the framework vs its torch.nn twin: same init, batches, augmentation, optimizer, schedule",
        "arch": arch, "config": config.as_dict(), "dtype": args.dtype, "pairs": len(a), "epochs": args.epochs, "threads": torch.get_num_threads(),
        "torch_version": torch.__version__, "per_epoch": epochs,
        "final_psnr_difference_db": {key: round(final["framework"]["psnr"][key] - final["torch"]["psnr"][key], 4) for key in final["torch"]["psnr"]},
        **({"final_psnr_control_minus_torch_db": {key: round(final["torch_channels_last"]["psnr"][key] - final["torch"]["psnr"][key], 4)
                                                  for key in final["torch"]["psnr"]}} if args.control else {}),
        "seconds_per_epoch_ratio": round(sum(e["framework"]["seconds"] for e in epochs) / sum(e["torch"]["seconds"] for e in epochs), 3),
    }
    stem = "parity" if args.dtype == "float32" else f"parity_{args.dtype}"
    atomic_write_text(json.dumps(result, indent=2) + "\n", args.out_dir / f"{stem}.json", overwrite=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["step", "framework_loss", "torch_loss"])
    writer.writerows((i, round(f, 7), round(t, 7)) for i, (f, t) in enumerate(zip(step_losses["framework"], step_losses["torch"])))
    atomic_write_text(buffer.getvalue(), args.out_dir / f"{stem}_loss.csv", overwrite=True)
    if args.out_dir == RESULTS:
        replace_block("mp2:parity" if args.dtype == "float32" else "mp2:parity64", readme_table(result))
    print(json.dumps({k: result[k] for k in ("final_psnr_difference_db", "seconds_per_epoch_ratio")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
