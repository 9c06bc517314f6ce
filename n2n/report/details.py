"""The docs site's page of results behind the two reports (``docs/results/report-details.md``).

The reports keep to one story each within 3 pages; the tables they have no room for are written here, in Markdown,
from the same report data (:func:`n2n.report.build.collect`), so the page and the PDFs never disagree.
"""

from __future__ import annotations

from pathlib import Path

from n2n.fileio import atomic_write_text

PAGE = Path("docs") / "results" / "report-details.md"


def number(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def signed(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:+.{digits}f}".replace("-", "−")


def rate(value: float) -> str:
    """A learning rate as the commands write it: 0.004 -> 4e-3, 0.00015 -> 1.5e-4."""
    for digits in (0, 1, 2):
        mantissa, exponent = f"{value:.{digits}e}".split("e")
        if float(f"{mantissa}e{exponent}") == value:
            return f"{mantissa}e{int(exponent)}"
    return f"{value:g}"


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def missing(file: str) -> str:
    return f"_Not available: `{file}` did not exist when this page was built._"


def main_table(t: dict) -> str:
    """The reports' main table (report data ``main_table``) in Markdown; † marks a score on a subset of the crops."""
    def crop(cell):
        return "–" if cell is None else number(cell["psnr"]) + ("†" if cell["subset"] else "")

    rows = [[("**" + r["label"] + "**") if r["highlight"] else r["label"], *(crop(r["crops"][s]) for s in t["sets"]),
             *(number(r["photos"][s]) for s in t["sigmas"])] for r in t["rows"]]
    subsets = sorted({c["subset"] for r in t["rows"] for c in r["crops"].values() if c and c["subset"]})
    note = (f"PSNR (dB) on the 1000 validation crops of each set († on the first {' / '.join(map(str, subsets))} only: BM3D, σ "
            f"estimated per crop except on `gaussian25`) and on the {t['photos']} validation photos whole (short side {t['size']} px, "
            "Gaussian noise; BM3D given σ, the networks blind).")
    return note + "\n\n" + table(["method", *(f"`{s}`" for s in t["sets"]), *(f"photos {s}" for s in t["sigmas"])], rows)


def quality_table(q: dict | None, file: str) -> str:
    """Every method of a quality file: PSNR on all crops of each set, and on the first N where measured."""
    if q is None:
        return missing(file)
    rows = []
    for m in q["methods"]:
        cells = [number(m["psnr"].get(s)) + (f" / {number(m['psnr_subset'][s])}" if m["psnr_subset"].get(s) is not None else "")
                 for s in q["sets"]]
        rows.append([m["method"], *cells, m["subset"] or "–"])
    return ("PSNR (dB) on all 1000 crops / on the first N crops of each set (BM3D ran on those only; N per row).\n\n"
            + table(["method", *(f"`{s}`" for s in q["sets"]), "N"], rows))


def margins_lines(margins: list[dict], where: str) -> list[str]:
    return [f"- {m['label']} minus BM3D, {where}: " + ", ".join(f"{k}: {signed(v)} dB" for k, v in m["margins"].items())
            for m in margins]


def mp1_photos(w: dict | None) -> str:
    if w is None:
        return missing("results/whole_photos/quality.json")
    parts = [f"Mean PSNR (dB) over the {w['photos']} validation photos (short side {w['size']} px, Gaussian noise, clipped "
             f"to uint8; BM3D given σ, the networks blind; measured {w['date']}).",
             table(["denoiser", *w["sigmas"]], [[name, *(number(values.get(s)) for s in w["sigmas"])] for name, values in w["rows"]]),
             "\n".join(margins_lines(w["margins"], "validation photos"))]
    if w["reserved"]:
        parts.append("\n".join(margins_lines(w["reserved"]["margins"], f"{w['reserved']['photos']} reserved photos, scored once after shipping")))
    if w["adapt"]:
        parts.append("\n".join(margins_lines(w["adapt"], "validation photos, `--adapt` (earlier weights)")))
    if w["reserved_adapt"]:
        parts.append("\n".join(margins_lines(w["reserved_adapt"], "reserved photos, `--adapt`")))
    return "\n\n".join(parts)


def mp1_training(r: dict) -> str:
    cycles = r["training_cycles"]
    if not cycles:
        return missing("results/miniproject_1/shipped_training.csv")
    rows = [[c["cycle"], c["change"], c["epochs"], f"{c['seconds'] / 3600:.1f}", c["kept_epoch"] if c["picked_by_score"] else f"{c['kept_epoch']} (last)",
             number(c["val_photos_psnr"]), number(c["val_psnr"])] for c in cycles]
    text = ("Each cycle started from the previous one's kept epoch with a fresh Adam optimiser and cosine schedule (500 steps "
            "of 8 crops of 96 px per epoch). Kept: the epoch with the best whole-photo PSNR at σ = 25, or the last one where "
            "marked.\n\n" + table(["cycle", "change", "epochs", "hours", "kept epoch", "photos σ = 25 (dB)", "`val_data` (dB)"], rows))
    course = r["course_training"]
    if course:
        text += (f"\n\nThe {r['setup']['arch']['width']}×{r['setup']['arch']['depth']} that `Model()` builds, trained on the course "
                 f"pairs for {course['epochs']} epochs (peak rate 1e-3), kept epoch {course['best_epoch']}: "
                 f"{number(course['val_psnr'])} dB on `val_data` ({course['seconds'] / 60:.0f} min).")
    return text


def finetune_text(ft: dict | None, file: str) -> str:
    if not ft or not ft.get("runs"):
        return missing(file)
    runs = ", ".join(f"{number(x['psnr_after'])} dB at peak rate {rate(x['lr'])}" for x in ft["runs"])
    weights = f" of {ft['weights']}" if ft.get("weights") else ""
    return (f"One more `Model.train` epoch on the course pairs from the weights{weights}: `val_data` from "
            f"{number(ft['runs'][0]['psnr_before'])} dB to {runs}; after `load_pretrained_model`, `train` uses {rate(ft['pretrained_lr'])}.")


def mp1_ablations(r: dict) -> str:
    parts = []
    g = r["gaussian"]
    if g and g.get("n2n_raw") and g.get("n2c"):
        runs = [g[k] for k in ("n2n_raw", "n2n", "n2c") if g.get(k)]
        epochs = [h["epoch"] for h in runs[0]["history"]]
        rows = [[run["method"], *(number(next((h.get("val_psnr") for h in run["history"] if h["epoch"] == e), None)) for e in epochs)]
                for run in runs]
        parts.append(f"**Noise2Noise against Noise2Clean** (the 32×3 U-Net, {g['n2c']['pairs']} pairs of Gaussian σ = 25 crops, same "
                     "seed, batches and schedule; the input copy clipped and rounded like the validation images). "
                     "`val_gaussian25` PSNR (dB) after each epoch:\n\n" + table(["target", *(f"epoch {e}" for e in epochs)], rows))
        if g.get("clip_bias"):
            parts.append(f"Clipped targets: adding the exact bias of a clipped Gaussian to the Noise2Clean output costs "
                         f"{signed(g['clip_bias']['estimated_cost_db'])} dB on `val_gaussian25` (mean squared bias "
                         f"{number(g['clip_bias']['mean_squared_bias'], 1)} grey levels²).")
    pa = r["photo_ablation"]
    if pa:
        rows = [[("**" + x["label"] + "** (shipped)") if x["chosen"] else x["label"], x["params"], number(x["kmac_per_pixel"], 1),
                 " / ".join(number(x["photos"][s]) for s in pa["sigmas"]), " / ".join(number(x["crops"][s]) for s in pa["sets"])]
                for x in pa["rows"]]
        parts.append(f"**U-Net size for photos** ({pa['steps']} steps of {pa['batch_size']} crops of {pa['crop']} px each, same "
                     f"seed and batches, peak rate {rate(pa['lr'])}; far from trained, this ranks early learning):\n\n"
                     + table(["U-Net", "parameters", "k MAC / pixel", "photos " + " / ".join(pa["sigmas"]) + " (dB)",
                              "crops " + " / ".join(pa["sets"]) + " (dB)"], rows))
    a = r["ablation"]
    if a:
        first = a["rows"][0]
        rows = [[("**" + x["label"] + "** (`Model()`)") if x["chosen"] else x["label"], x["params"], number(x["val_psnr"]),
                 number(x["train_seconds"], 0), number(x["predict_512_seconds"])] for x in a["rows"]]
        parts.append(f"**U-Net size for `Model()`** on the course pairs ({first['pairs']} pairs × {first['epochs']} epochs, "
                     f"{first['threads']} thread, times on a shared machine):\n\n"
                     + table(["U-Net", "parameters", f"`{first['val_set']}` (dB)", "training (s)", "512 px inference (s)"], rows))
    return "\n\n".join(parts) if parts else missing("results/miniproject_1/ablations.csv")


def mp1_after_shipping(after: dict | None) -> str:
    if not after:
        return missing("results/whole_photos/cycle6_epochs.json")
    ref = after["reference"]
    sigmas, sets = list(ref["photos"]), list(ref["crops"])
    rows = [[f"{ref['label']}", *(number(ref["photos"][s]) for s in sigmas), *(number(ref["crops"][s]) for s in sets)]]
    rows += [[x["label"], *(signed(x["delta_photos"].get(s)) for s in sigmas), *(signed(x["delta_crops"].get(s)) for s in sets)]
             for x in after["runs"]]
    text = ("Each run's last epoch, the network alone (no grey step): the shipped network's PSNR (dB), then each run's "
            "difference from it.\n\n" + table(["run", *(f"photos {s}" for s in sigmas), *(f"`{s}`" for s in sets)], rows))
    control = after["noise2clean_minus_noise2noise_crops"]
    if control:
        text += ("\n\nClean minus noisy targets, same start, recipe and seed (the 9th cycle): "
                 + ", ".join(f"`{k}` {signed(v)} dB" for k, v in control.items()) + ".")
    return text


def mp1_timing(t: dict | None) -> str:
    if not t:
        return missing("results/miniproject_1/timing.json")
    rows = []
    if "train" in t:
        rows.append([f"`Model().train`, {t['train']['pairs']} pairs, 1 epoch", f"{number(t['train']['seconds'], 0)} s", f"≤ {t['train']['target_seconds']} s"])
    for part, label in (("crops", "`predict`, 1000 crops of 32×32"), ("image_512", "`predict`, one 512×512 image")):
        if part in t.get("predict", {}):
            rows.append([label, f"{number(t['predict'][part]['seconds'])} s", f"≤ {t['predict'][part]['target_seconds']} s"])
    if "denoise" in t:
        rows.append(["`n2n denoise`, 4000×3000 photo", f"{number(t['denoise']['seconds'], 1)} s, {number(t['denoise']['peak_rss_gib'])} GiB",
                     f"≤ {t['denoise']['target_gib']} GiB"])
    return "On the 2-core CPU:\n\n" + table(["measurement", "measured", "target"], rows)


def mp1_single_image(si: dict | None) -> str:
    if not si:
        return missing("results/single_image/training.json")
    parts = []
    t = si["training"]
    if t:
        parts.append(f"Same photos, network (`{t['arch']}`), seed and {t['steps']} optimiser steps (batches of {t['batch_size']} crops "
                     f"of {t['crop_size']} px); only the target differs: clean crop, second noisy copy, or nothing (single image, "
                     "Neighbor2Neighbor). PSNR (dB) on the crop set of the training noise and on the whole validation photos.\n\n"
                     + table(["denoiser (training noise)", *t["columns"]], [[name, *(values.get(c, "–") for c in t["columns"])] for name, values in t["rows"]]))
        parts.append("\n".join(f"- single image, {g['variant']}, trained on `{g['noise']}`: {signed(g['photos_25'])} dB from "
                               f"Noise2Noise on whole photos at σ = 25, crop set {signed(g['crops'])} dB" for g in t["gaps"]))
    ad = si["adapt"]
    if ad:
        rows = [[f"`{m['condition']}`" + (" (trained on)" if m["seen"] else ""), number(m["noisy_psnr"]), number(m["shipped_psnr"]),
                 f"{number(m['copy_psnr'])} ({signed(m['min_copy_gain'])})", f"{number(m['adapted_psnr'])} ({signed(m['min_gain'])})",
                 number(m["adapt_seconds"], 0)] for m in ad["means"]]
        parts.append(f"`n2n denoise --adapt` on the whole validation photos ({ad['loss']}, {ad['means'][0]['steps']} steps at {rate(ad['lr'])}; "
                     f"model {ad['model']}): mean PSNR (dB), in brackets the smallest gain over not adapting of the photos.\n\n"
                     + table(["noise", "noisy", "not adapted", "copy alone", "`--adapt`", "seconds"], rows))
    return "\n\n".join(parts)


def mp2_sections(r: dict) -> str:
    parts = ["### Quality", main_table(r["main_table"]) if r["main_table"]["rows"] else missing("results/miniproject_2/quality.json")]
    a = r["ablation"]
    parts.append("### Ablation of the prescribed network")
    if a:
        rows = [[("**" + x["variant"] + "** (shipped)") if x["chosen"] else x["variant"], x["params"], number(x["train_seconds"], 0),
                 *(number(x["psnr"][s]) for s in a["sets"])] for x in a["rows"]]
        parts.append(f"Every variant trained on the same {a['pairs']} pairs for {a['epochs']} epochs from the same seed, each but the "
                     f"last changing one thing of the first; {a['threads']} thread, times on a machine whose load varied.\n\n"
                     + table(["variant", "parameters", "training (s)", *(f"`{s}` (dB)" for s in a["sets"])], rows))
    else:
        parts.append(missing("results/miniproject_2/ablations.csv"))
    if r["full_runs"]:
        parts.append("Full-length runs on all 50 000 pairs (best epoch on `val_data` kept):\n\n"
                     + table(["set-up", "epochs", "`val_data` (dB)", "training (s)"],
                             [[x["setup"], x["epochs"], number(x["val_psnr"]), number(x["seconds"], 0)] for x in r["full_runs"]]))
    parts.append(finetune_text(r["finetune"], "results/miniproject_2/finetune.json"))
    parts.append("### Parity with PyTorch")
    for p in (r["parity"], r["parity64"]):
        if not p:
            continue
        rows = [[e["epoch"], number(e["framework"]["loss"], 6), number(e["torch"]["loss"], 6), number(e["framework"]["psnr"].get("mixed"), 3),
                 number(e["torch"]["psnr"].get("mixed"), 3), number(e["framework"]["seconds"], 0), number(e["torch"]["seconds"], 0)]
                for e in p["per_epoch"]]
        diff = ", ".join(f"`{k}` {signed(v, 4)}" for k, v in (p["final_psnr_difference_db"] or {}).items())
        parts.append(f"{p['dtype']}, {p['pairs']} pairs × {p['epochs']} epochs, {p['threads']} thread(s): final PSNR framework − torch (dB): "
                     f"{diff}; time per epoch framework / torch {number(p['seconds_per_epoch_ratio'])}×.\n\n"
                     + table(["epoch", "loss, framework", "loss, torch", "`val_data`, framework", "`val_data`, torch", "s, framework", "s, torch"], rows))
    u = r["unet"]
    if u:
        parts.append("### Miniproject 1's U-Net on the framework")
        rows = [[engine, *(number(v) for v in values.values())] for engine, values in (u["final_psnr"] or {}).items()]
        if rows:
            sets = list(next(iter(u["final_psnr"].values())))
            parts.append(f"{u['pairs']} pairs, {u['epochs']} epoch(s), same initial weights, batches and schedule; PSNR (dB):\n\n"
                         + table(["engine", *(f"`{s}`" for s in sets)], rows))
        steps = u.get("step_median_s") or {}
        parts.append("Median training step (32 crops): " + ", ".join(f"{k} {number(v * 1000, 0)} ms" for k, v in steps.items()) + ".")
    bn = r["bench"]
    if bn:
        parts.append(f"### Speed\n\nOne training step of the course network, batch {bn['batch']}: framework {number(bn['median_ms']['framework'], 1)} ms, "
                     f"torch.nn + autograd {number(bn['median_ms']['torch'], 1)} ms ({number(bn['ratio'])}×; median of {bn['runs']} interleaved "
                     f"runs, {bn['threads']} threads).")
    return "\n\n".join(p for p in parts if p)


def render(mp1: dict, mp2: dict) -> str:
    """The page's Markdown from the two reports' data."""
    return "\n\n".join([
        "# Results behind the reports",
        "The course reports (`Miniproject_1/Report_1.pdf`, `Miniproject_2/Report_2.pdf`) keep to one story each in three pages. "
        "This page holds what they leave out: the full tables and ablations. `n2n report` writes it with the reports, from the "
        "same results files under `results/`; do not edit it by hand.",
        "## Miniproject 1: the U-Net",
        "### Main table", main_table(mp1["main_table"]) if mp1["main_table"]["rows"] else missing("results/miniproject_1/quality.json"),
        "### All methods on the validation crops", quality_table(mp1["quality"], "results/miniproject_1/quality.json"),
        "### Whole photos", mp1_photos(mp1["whole_photos"]),
        "### Training of the shipped weights", mp1_training(mp1),
        finetune_text(mp1["finetune"], "results/miniproject_1/finetune.json"),
        "### Ablations", mp1_ablations(mp1),
        "### Runs after shipping", mp1_after_shipping(mp1["after_shipping"]),
        "### Timing", mp1_timing(mp1["timing"]),
        "### Training without pairs, and adapting to one photo", mp1_single_image(mp1["single_image"]),
        "## Miniproject 2: the framework and the course network", mp2_sections(mp2),
    ]) + "\n"


def write(mp1: dict, mp2: dict, path: Path) -> Path:
    """Write the page to ``path`` atomically (it is generated: an earlier version is replaced)."""
    return atomic_write_text(render(mp1, mp2), path, overwrite=True)
