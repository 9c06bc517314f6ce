"""`--adapt` diagnostic: averaging the shipped and adapted outputs gained on all 36 photo x noise pairs; the masked score picked the better network on 34, SURE on 7-8.

``python -m experiments.adapt_check --part copies|score|analyze|soup`` (in that order): a one-off diagnostic
(2026-12-01, ``results/single_image/adapt_check/README.md``), its computations kept as they ran. The 6 validation
photos (short side ``--size`` px) under the 6 noises of :mod:`experiments.adapt_noise`:

- ``copies``: adapts the shipped Miniproject_1 network to each photo x noise (the default 120 Noise2Self steps, no
  self-check) and saves each adapted copy under ``--cache`` (not committed: 36 x 2.6 MB);
- ``score`` -> ``OUT_DIR/scores.json``: per photo x noise, the whole-image PSNR of the shipped network, of the copy
  and of output averages, and candidate clean-image-free checks on the central 512 x 512 px (the masked score of
  :mod:`n2n.inference.self_check`; SURE with the true or an estimated noise variance);
- ``analyze`` -> ``OUT_DIR/analysis.txt``: per pair gains and, per noise, the mean (worst photo) gain of each rule;
- ``soup`` -> ``OUT_DIR/soup.json``: the same with the *weights* averaged instead of the outputs.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections import defaultdict
from pathlib import Path

import torch

from experiments.adapt_noise import CONDITIONS, GAUSSIAN_SIGMAS, noisy_photo
from Miniproject_1.model import BEST_MODEL_PATH
from Miniproject_1.others.inference import denoise, pad_to_multiple
from n2n.evaluation import whole_photos
from n2n.fileio import atomic_write_text
from n2n.inference import denoisers
from n2n.inference.adapt import adapt, resolve_network
from n2n.inference.self_check import central_region, masked_score
from n2n.inference.tiling import denoise_tiled
from n2n.metrics import psnr
from n2n.paths import REPO_ROOT

OUT_DIR = REPO_ROOT / "results" / "single_image" / "adapt_check"
CACHE = REPO_ROOT / "cache" / "adapt_diag"
ALPHAS = (0.25, 0.5, 0.75)  # the copy's weight in the averaged outputs
CPU = torch.device("cpu")


def shipped_network() -> torch.nn.Module:
    """The shipped Miniproject_1 U-Net, in eval mode."""
    return resolve_network(denoisers.from_checkpoint(BEST_MODEL_PATH, "miniproject1")).eval()


def copy_file(cache: Path, photo_id: str, condition: str) -> Path:
    return cache / f"{photo_id.replace('/', '__')}__{condition}.pt"


def with_weights(network: torch.nn.Module, state: dict) -> torch.nn.Module:
    """A copy of ``network`` holding ``state``, in eval mode."""
    other = copy.deepcopy(network)
    other.load_state_dict(state)
    return other.eval()


def whole_image(network: torch.nn.Module, noisy: torch.Tensor) -> torch.Tensor:
    """``network``'s float output (1, 3, H, W) on the 0-255 scale for a noisy photo, tiled as `n2n denoise` runs it."""
    return denoise_tiled(lambda batch: denoise(network, batch, CPU, 32), noisy)


def make_copies(args: argparse.Namespace) -> None:
    predict = denoisers.from_checkpoint(BEST_MODEL_PATH, "miniproject1")
    for photo_file in args.photo_files:
        photo = whole_photos.prepare_photo(photo_file, args.size)
        for condition in args.conditions:
            name = copy_file(args.cache, photo.id, condition)
            if name.exists():
                continue
            noisy = noisy_photo(photo.clean, photo.id, condition, 0)
            started = time.perf_counter()
            adapted = adapt(predict, noisy, check=False, desc=None)
            name.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"state": adapted.copy.state_dict(), "seconds": time.perf_counter() - started}, name)
            print(photo.id, condition, f"{time.perf_counter() - started:.1f}s", flush=True)


def forward32(network: torch.nn.Module, noisy: torch.Tensor) -> torch.Tensor:
    """noisy (1, 3, H, W) float on 0-255 -> the clamped float32 output on 0-255 (one untiled pass)."""
    with torch.inference_mode():
        x, (h, w) = pad_to_multiple(noisy / 255.0, network.multiple)
        return network(x.contiguous(memory_format=torch.channels_last))[..., :h, :w].float().clamp(0, 1) * 255


def oracle_variance(clean: torch.Tensor, condition: str) -> torch.Tensor:
    """The true per-pixel noise variance of ``condition`` for ``clean (1, 3, H, W)`` (before clipping)."""
    x = clean.float()
    if condition in GAUSSIAN_SIGMAS:
        return torch.full_like(x, GAUSSIAN_SIGMAS[condition] ** 2)
    if condition == "varying5-50":
        return torch.linspace(5.0, 50.0, x.shape[-1]).view(1, 1, 1, -1).expand_as(x) ** 2
    return (x * 0.25) ** 2


def estimated_variance(noisy: torch.Tensor, tile: int) -> torch.Tensor:
    """A per-tile robust noise variance (1, 3, H, W) from the 2x2 Haar diagonal details of ``noisy``."""
    y = noisy.float()
    height, width = y.shape[-2:]
    b = y[..., :height // 2 * 2, :width // 2 * 2]
    d = (b[..., 0::2, 0::2] - b[..., 1::2, 0::2] - b[..., 0::2, 1::2] + b[..., 1::2, 1::2]) / 2  # (1, 3, H/2, W/2)
    t = tile // 2
    hh, ww = d.shape[-2] // t, d.shape[-1] // t
    d = d[..., :hh * t, :ww * t].abs().reshape(1, 3, hh, t, ww, t).permute(0, 2, 4, 1, 3, 5).reshape(1, hh, ww, -1)
    sigma = d.median(dim=-1).values / 0.6745
    var = torch.nn.functional.interpolate((sigma ** 2)[:, None], size=(hh * tile, ww * tile), mode="nearest")
    var = torch.nn.functional.pad(var, (0, width - ww * tile, 0, height - hh * tile), mode="replicate")
    return var.expand(1, 3, height, width)


def score_pair(original: torch.nn.Module, adapted: torch.nn.Module, photo, condition: str) -> dict:
    """Every number of one photo x noise in ``scores.json`` (field names: the results folder's README)."""
    noisy = noisy_photo(photo.clean, photo.id, condition, 0)
    full_o, full_c = whole_image(original, noisy), whole_image(adapted, noisy)
    row = {"photo": photo.id, "condition": condition,
           "psnr_o": psnr(whole_photos.quantize(full_o), photo.clean), "psnr_c": psnr(whole_photos.quantize(full_c), photo.clean),
           "psnr_alpha": {a: psnr(whole_photos.quantize((1 - a) * full_o.float() + a * full_c.float()), photo.clean)
                          for a in ALPHAS}}
    y, x = central_region(noisy).float(), central_region(photo.clean).float()
    probe = torch.randn(y.shape, generator=torch.Generator().manual_seed(1))
    eps = 0.5  # Monte-Carlo divergence step (0-255 scale)
    fo, fc = forward32(original, y), forward32(adapted, y)
    fob, fcb = forward32(original, y + eps * probe), forward32(adapted, y + eps * probe)
    local_mean = torch.nn.functional.avg_pool2d(fo, 9, 1, 4, count_include_pad=False)
    n = y.numel()
    row["mse_o"], row["mse_c"] = float(((fo - x) ** 2).mean()), float(((fc - x) ** 2).mean())
    variances = {"oracle": oracle_variance(x, condition), **{f"mad{tile}": estimated_variance(y, tile) for tile in (16, 32, 64)}}
    for key, var in variances.items():
        dvo = float((var * probe * (fob - fo)).sum() / eps) / n
        dvc = float((var * probe * (fcb - fc)).sum() / eps) / n
        row[f"sure_{key}"] = [float(((fo - y) ** 2).mean() - var.mean() + 2 * dvo), float(((fc - y) ** 2).mean() - var.mean() + 2 * dvc)]
        keep = ((local_mean > 2.5 * var.sqrt()) & (local_mean < 255 - 2.5 * var.sqrt())).float()
        m = max(1.0, float(keep.sum()))
        so = float((((fo - y) ** 2 - var + 2 * var * probe * (fob - fo) / eps) * keep).sum()) / m
        sc = float((((fc - y) ** 2 - var + 2 * var * probe * (fcb - fc) / eps) * keep).sum()) / m
        row[f"suresel_{key}"] = [so, sc, float(((fo - x) ** 2 * keep).sum()) / m, float(((fc - x) ** 2 * keep).sum()) / m, m / n]
        row[f"dv_{key}"] = [dvo, dvc]
    row["var_oracle_mean"], row["var_mad32_mean"] = float(variances["oracle"].mean()), float(variances["mad32"].mean())
    row["masked"] = [masked_score(lambda batch: denoise(original, batch, CPU, 32), noisy),
                     masked_score(lambda batch: denoise(adapted, batch, CPU, 32), noisy)]
    return row


def saved_copies(args: argparse.Namespace):
    """(prepared photo, condition, saved state) for every adapted copy under ``--cache``."""
    for photo_file in args.photo_files:
        photo = whole_photos.prepare_photo(photo_file, args.size)
        for condition in args.conditions:
            name = copy_file(args.cache, photo.id, condition)
            if name.exists():
                yield photo, condition, torch.load(name, weights_only=True)["state"]


def score(args: argparse.Namespace) -> None:
    original, rows = shipped_network(), []
    for photo, condition, state in saved_copies(args):
        rows.append(score_pair(original, with_weights(original, state), photo, condition))
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in rows[-1].items() if not k.startswith("dv")}),
              flush=True)
    atomic_write_text(json.dumps(rows, indent=1), args.out_dir / "scores.json", overwrite=True)


def soup(args: argparse.Namespace) -> None:
    original = shipped_network()
    scores = {(r["photo"], r["condition"]): r for r in json.loads((args.out_dir / "scores.json").read_text())}
    rows = []
    for photo, condition, state in saved_copies(args):
        averaged = {k: (torch.lerp(v, state[k], 0.5) if v.is_floating_point() else v) for k, v in original.state_dict().items()}
        noisy = noisy_photo(photo.clean, photo.id, condition, 0)
        p = psnr(whole_photos.quantize(whole_image(with_weights(original, averaged), noisy)), photo.clean)
        r = scores[(photo.id, condition)]
        rows.append({"photo": photo.id, "condition": condition, "soup": p - r["psnr_o"], "blend": r["psnr_alpha"]["0.5"] - r["psnr_o"],
                     "copy": r["psnr_c"] - r["psnr_o"]})
        print(condition, f"soup {rows[-1]['soup']:+.2f} blend {rows[-1]['blend']:+.2f} copy {rows[-1]['copy']:+.2f}", flush=True)
    atomic_write_text(json.dumps(rows, indent=1), args.out_dir / "soup.json", overwrite=True)


# Which network each rule uses on a pair (the copy's weight in the output, 0: the shipped network alone).
RULES = {
    "copy": lambda r: 1.0,
    "blend.5": lambda r: 0.5,
    "masked": lambda r: 1.0 if r["masked"][1] < r["masked"][0] else 0.0,
    "sel_mad32": lambda r: 1.0 if r["suresel_mad32"][1] < r["suresel_mad32"][0] else 0.0,
    "sel_oracle": lambda r: 1.0 if r["suresel_oracle"][1] < r["suresel_oracle"][0] else 0.0,
    "sel_mad32_blend": lambda r: 1.0 if r["suresel_mad32"][1] < r["suresel_mad32"][0] else 0.5,
    "masked_blend": lambda r: 1.0 if r["masked"][1] < r["masked"][0] else 0.5,
}


def psnr_at(row: dict, alpha: float) -> float:
    return row["psnr_o"] if alpha == 0 else row["psnr_c"] if alpha == 1 else row["psnr_alpha"][str(alpha)]


def analysis(rows: list[dict], soup_rows: list[dict] | None) -> str:
    """The text of ``analysis.txt``: per pair gains (dB) and checks' differences, then each rule's gain per noise."""
    lines = [f"{'photo':14s} {'cond':12s} {'o':>6s} {'c-o':>6s} {'a.25':>6s} {'a.5':>6s} {'a.75':>6s} | {'dmask':>6s} {'dtrueR':>7s} "
             f"{'sOr':>7s} {'sM16':>7s} {'sM32':>7s} {'selOr':>7s} {'selM32':>7s} {'selTrue':>7s} frac"]
    for r in rows:
        a, o = r["psnr_alpha"], r["psnr_o"]

        def d(key: str, r: dict = r) -> float:
            return r[key][1] - r[key][0]

        sel, selm = r["suresel_oracle"], r["suresel_mad32"]
        lines.append(f"{r['photo'][-14:]:14s} {r['condition']:12s} {o:6.2f} {r['psnr_c'] - o:+6.2f} {a['0.25'] - o:+6.2f} "
                     f"{a['0.5'] - o:+6.2f} {a['0.75'] - o:+6.2f} | {d('masked'):+6.3f} {r['mse_c'] - r['mse_o']:+7.2f} "
                     f"{d('sure_oracle'):+7.2f} {d('sure_mad16'):+7.2f} {d('sure_mad32'):+7.2f} {sel[1] - sel[0]:+7.2f} "
                     f"{selm[1] - selm[0]:+7.2f} {sel[3] - sel[2]:+7.2f} {sel[4]:.2f}")
    groups = defaultdict(list)
    for r in rows:
        groups[r["condition"]].append(r)
    lines.append("")
    for name, rule in RULES.items():
        cells = []
        for condition, group in groups.items():
            gains = [psnr_at(r, rule(r)) - r["psnr_o"] for r in group]
            cells.append(f"{condition}: {sum(gains) / len(gains):+.2f} (min {min(gains):+.2f})")
        lines.append(f"{name:16s} " + " | ".join(cells))
    by_condition = defaultdict(list)
    for r in soup_rows or []:
        by_condition[r["condition"]].append(r)
    for condition, group in by_condition.items():
        lines.append(condition + "".join(f" {key} {sum(r[key] for r in group) / len(group):+.2f} (min {min(r[key] for r in group):+.2f})"
                                         for key in ("copy", "blend", "soup")))
    return "\n".join(lines) + "\n"


def analyze(args: argparse.Namespace) -> None:
    rows = json.loads((args.out_dir / "scores.json").read_text())
    soup_file = args.out_dir / "soup.json"
    text = analysis(rows, json.loads(soup_file.read_text()) if soup_file.is_file() else None)
    print(text, end="")
    atomic_write_text(text, args.out_dir / "analysis.txt", overwrite=True)


PARTS = {"copies": make_copies, "score": score, "analyze": analyze, "soup": soup}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m experiments.adapt_check", description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=list(PARTS), required=True, help="which step to run (copies, score, soup, then analyze)")
    parser.add_argument("--conditions", default=",".join(CONDITIONS), help="noises, comma-separated (default: all 6)")
    parser.add_argument("--photos", type=Path, default=None, help="a folder of photos (default: the validation photos)")
    parser.add_argument("--size", type=int, default=512, help="short side of each photo in px (default 512)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the adapted copies go (default cache/adapt_diag)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where the results go (default results/single_image/adapt_check)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    args = parser.parse_args(argv)
    args.conditions = args.conditions.split(",")
    unknown = sorted(set(args.conditions) - set(CONDITIONS))
    if unknown:
        parser.error(f"unknown noise {', '.join(unknown)}; choose from {', '.join(CONDITIONS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.part != "analyze":
        args.photo_files = (whole_photos.folder_images(args.photos) if args.photos is not None
                            else whole_photos.validation_photos())
    PARTS[args.part](args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
