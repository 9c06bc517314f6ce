"""Diagnostic: score candidate self-checks against the truth on the saved copies."""
import json, sys, math
from pathlib import Path
import torch
from n2n.evaluation import whole_photos
from n2n.experiments.adapt_noise import CONDITIONS, GAUSSIAN_SIGMAS, SEEN, noisy_photo
from n2n.inference import denoisers
from n2n.inference.adapt import resolve_network
from n2n.inference.self_check import masked_score, central_region
from n2n.inference.tiling import denoise_tiled
from Miniproject_1.others.inference import denoise, pad_to_multiple
from Miniproject_1.model import BEST_MODEL_PATH
import copy as copymod

torch.set_num_threads(2)
out = Path("cache/adapt_diag")
predict = denoisers.from_checkpoint(BEST_MODEL_PATH, "miniproject1")
original = resolve_network(predict).eval()

def forward32(net, y):
    """y (1,3,H,W) float 0-255 -> clamped float32 output, 0-255."""
    with torch.inference_mode():
        x, (h, w) = pad_to_multiple(y / 255.0, net.multiple)
        return net(x.contiguous(memory_format=torch.channels_last))[..., :h, :w].float().clamp(0, 1) * 255

def oracle_var(clean, condition):
    x = clean.float()
    if condition in GAUSSIAN_SIGMAS:
        return torch.full_like(x, GAUSSIAN_SIGMAS[condition] ** 2)
    if condition == "varying5-50":
        return torch.linspace(5.0, 50.0, x.shape[-1]).view(1, 1, 1, -1).expand_as(x) ** 2
    return (x * 0.25) ** 2

def mad_var(y, tile):
    """per-tile robust noise variance from 2x2 Haar diagonal details."""
    y = y.float()
    H, W = y.shape[-2:] ; H2, W2 = H // 2 * 2, W // 2 * 2
    b = y[..., :H2, :W2]
    d = (b[..., 0::2, 0::2] - b[..., 1::2, 0::2] - b[..., 0::2, 1::2] + b[..., 1::2, 1::2]) / 2  # (1,3,H/2,W/2)
    t = tile // 2
    hh, ww = d.shape[-2] // t, d.shape[-1] // t
    d = d[..., :hh * t, :ww * t].abs().reshape(1, 3, hh, t, ww, t).permute(0, 2, 4, 1, 3, 5).reshape(1, hh, ww, -1)
    sigma = d.median(dim=-1).values / 0.6745
    var = (sigma ** 2)[:, None]
    var = torch.nn.functional.interpolate(var, size=(hh * tile, ww * tile), mode="nearest")
    var = torch.nn.functional.pad(var, (0, W - ww * tile, 0, H - hh * tile), mode="replicate")
    return var.expand(1, 3, H, W)

rows = []
for photo_file in whole_photos.validation_photos():
    photo = whole_photos.prepare_photo(photo_file, 512)
    for condition in CONDITIONS:
        name = out / f"{photo.id.replace('/', '__')}__{condition}.pt"
        if not name.exists():
            continue
        saved = torch.load(name, weights_only=True)
        net = copymod.deepcopy(original); net.load_state_dict(saved["state"]); net.eval()
        noisy = noisy_photo(photo.clean, photo.id, condition, 0)
        full_o = denoise_tiled(lambda b: denoise(original, b, torch.device("cpu"), 32), noisy)
        full_c = denoise_tiled(lambda b: denoise(net, b, torch.device("cpu"), 32), noisy)
        from n2n.metrics import psnr
        row = {"photo": photo.id, "condition": condition, "psnr_o": psnr(whole_photos.quantize(full_o), photo.clean), "psnr_c": psnr(whole_photos.quantize(full_c), photo.clean),
               "psnr_alpha": {a: psnr(whole_photos.quantize((1 - a) * full_o.float() + a * full_c.float()), photo.clean) for a in (0.25, 0.5, 0.75)}}
        y = central_region(noisy).float(); x = central_region(photo.clean).float()
        g = torch.Generator().manual_seed(1); b = torch.randn(y.shape, generator=g); eps = 0.5
        fo, fc = forward32(original, y), forward32(net, y)
        fob, fcb = forward32(original, y + eps * b), forward32(net, y + eps * b)
        lo = torch.nn.functional.avg_pool2d(fo, 9, 1, 4, count_include_pad=False)
        n = y.numel()
        row["mse_o"] = float(((fo - x) ** 2).mean()); row["mse_c"] = float(((fc - x) ** 2).mean())
        maps = {"oracle": oracle_var(x, condition)}
        for tile in (16, 32, 64):
            maps[f"mad{tile}"] = mad_var(y, tile)
        for key, var in maps.items():
            dvo = float((var * b * (fob - fo)).sum() / eps) / n
            dvc = float((var * b * (fcb - fc)).sum() / eps) / n
            so = float(((fo - y) ** 2).mean() - var.mean() + 2 * dvo)
            sc = float(((fc - y) ** 2).mean() - var.mean() + 2 * dvc)
            row[f"sure_{key}"] = [so, sc]
            keep = ((lo > 2.5 * var.sqrt()) & (lo < 255 - 2.5 * var.sqrt())).float()
            m = max(1.0, float(keep.sum()))
            so = float((((fo - y) ** 2 - var + 2 * var * b * (fob - fo) / eps) * keep).sum()) / m
            sc = float((((fc - y) ** 2 - var + 2 * var * b * (fcb - fc) / eps) * keep).sum()) / m
            row[f"suresel_{key}"] = [so, sc, float(((fo - x) ** 2 * keep).sum()) / m, float(((fc - x) ** 2 * keep).sum()) / m, m / n]
            row[f"dv_{key}"] = [dvo, dvc]
        row["var_oracle_mean"] = float(maps["oracle"].mean()); row["var_mad32_mean"] = float(maps["mad32"].mean())
        row["masked"] = [masked_score(lambda bb: denoise(original, bb, torch.device("cpu"), 32), noisy),
                         masked_score(lambda bb: denoise(net, bb, torch.device("cpu"), 32), noisy)]
        rows.append(row)
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items() if not k.startswith("dv")}), flush=True)
json.dump(rows, open(out / "scores.json", "w"), indent=1)
