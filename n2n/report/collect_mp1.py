"""Every number of Report_1 (Miniproject_1), collected from the results files.

:func:`collect` returns a JSON-serialisable dict; a section is None when its results file is
missing (``inputs["missing"]`` names the file), and the template then says so.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from n2n.report.common import (
    CONTEXT,
    WHOLE_PHOTOS,
    data_counts,
    main_table,
    noisy_psnr,
    ordered_sets,
    quality,
    sigma_label,
    training_log,
    whole_photo_means,
)
from n2n.report.inputs import ResultsReader

# results/miniproject_1/gaussian25_<run>.json; the clipped-target run ("n2n") is an optional extra.
GAUSSIAN_RUNS = ("n2n_raw", "n2n", "n2c")
ABLATION_FIELDS = ["width", "depth", "params", "pairs", "epochs", "threads", "train_seconds", "predict_512_seconds", "val_set", "val_psnr"]


def setup() -> dict:
    """The shipped architecture and training configuration, read from Miniproject_1's code."""
    from Miniproject_1.model import DEFAULT_ARCH, PRETRAINED_LR
    from Miniproject_1.others.training import TrainConfig
    from Miniproject_1.others.unet import UNet

    network = UNet(**DEFAULT_ARCH)
    return {"arch": dict(DEFAULT_ARCH), "params": sum(p.numel() for p in network.parameters()),
            "config": asdict(TrainConfig()), "pretrained_lr": PRETRAINED_LR, "shipped": shipped_arch()}


def shipped_arch() -> dict | None:
    """Width, depth, per-level widths, a label (``40×5``, or the widths full resolution first when they differ,
    ``48/40/40/40/40/40``) and parameter count of ``Miniproject_1/bestmodel.pth`` (read from its tensor shapes)."""
    from Miniproject_1.model import BEST_MODEL_PATH
    from Miniproject_1.others.checkpoint import load_network

    if not BEST_MODEL_PATH.is_file():
        return None
    network = load_network(BEST_MODEL_PATH)
    widths = list(network.widths)
    label = f"{network.width}×{network.depth}" if len(set(widths)) == 1 else "/".join(map(str, widths))
    return {"width": network.width, "depth": network.depth, "widths": widths, "label": label,
            "params": sum(p.numel() for p in network.parameters())}


def photo_training_log(reader: ResultsReader, relative: str, optional: bool = False, kept_epoch: int | None = None) -> dict | None:
    """Summary of an ``n2n train --photos --val-photos`` log: epochs, total seconds and the kept epoch with its
    whole-photo PSNR (sigma 25) and ``val_data`` PSNR. The kept epoch is ``kept_epoch`` when given
    (``picked_by_score`` False), else the one with the best whole-photo PSNR, which is what ``n2n train`` keeps."""
    rows = [row for row in reader.csv(relative, optional) or [] if row.get("val_photos_psnr") not in (None, "")]
    if not rows:
        return None
    if kept_epoch is None:
        kept = max(rows, key=lambda row: row["val_photos_psnr"])
    else:
        kept = next((row for row in rows if row["epoch"] == kept_epoch), None)
        if kept is None:
            raise ValueError(f"{relative} has no epoch {kept_epoch}, the one {SHIPPED_EPOCHS} says was kept")
    return {"epochs": len(rows), "kept_epoch": kept["epoch"], "picked_by_score": kept_epoch is None,
            "val_photos_psnr": kept["val_photos_psnr"], "val_psnr": kept["val_psnr"], "seconds": sum(row["seconds"] for row in rows)}


# Which epoch of a training cycle went on (the next cycle's start, or bestmodel.pth), for the cycles where
# it is not the one with the best whole-photo score: {"cycles": {"5": {"epoch": 16, "rule": "..."}}}.
SHIPPED_EPOCHS = "miniproject_1/shipped_epochs.json"


def shipped_cycles(reader: ResultsReader) -> list[dict]:
    """:func:`photo_training_log` of ``shipped_training_cycleN.csv`` for N = 2, 3, ... in order, each with its
    ``cycle`` number (and the ``rule`` that kept an epoch other than the best-scored one). Each cycle started
    from the previous one's kept epoch, so the chain stops at the first cycle missing; the last one found is
    ``bestmodel.pth``."""
    kept = (reader.json(SHIPPED_EPOCHS, optional=True) or {}).get("cycles", {})
    cycles = []
    while True:
        cycle = len(cycles) + 2
        choice = kept.get(str(cycle), {})
        log = photo_training_log(reader, f"miniproject_1/shipped_training_cycle{cycle}.csv", optional=True, kept_epoch=choice.get("epoch"))
        if log is None:
            return cycles
        cycles.append({"cycle": cycle, **log, "rule": choice.get("rule")})


# What each training cycle of the shipped weights changed: (short tag for a figure axis, description). Cycle 1 is
# shipped_training.csv; each later one started from the previous one's kept epoch.
CYCLE_CHANGES = {
    1: ("first run", "the first run, peak rate 5e-4"),
    2: ("rate 1e-4", "peak rate 1e-4, other batches"),
    3: ("tone curves", "half of the crops through a random tone curve (more shadows, where clipped noise is biased); peak rate 5e-5 from here on"),
    4: ("gain ≤ 1", "tone-curve gains capped at 1: higher ones taught it to brighten highlights"),
    5: ("repeat", "the fourth cycle’s settings again, other batches"),
    6: ("grey crops", "10 % grey crops, against colour noise on black-and-white photos"),
}


def training_cycles(first: dict | None, later: list[dict]) -> list[dict]:
    """The shipped weights' training, cycle by cycle (1 = ``shipped_training.csv``, then :func:`shipped_cycles`), each
    with the ``tag`` and ``change`` of :data:`CYCLE_CHANGES`; empty without the first cycle's log."""
    if first is None:
        return []
    cycles = [{"cycle": 1, **first, "rule": None}] + later
    return [{**c, "tag": CYCLE_CHANGES.get(c["cycle"], (f"cycle {c['cycle']}", ""))[0],
             "change": CYCLE_CHANGES.get(c["cycle"], ("", "see the README"))[1]} for c in cycles]


def gaussian(reader: ResultsReader) -> dict | None:
    """Noise2Noise (zero-mean and clipped targets) vs Noise2Clean on Gaussian noise (sigma 25).

    Final PSNR and per-epoch history of each run found, and each Noise2Noise run's PSNR minus
    Noise2Clean's (``difference_db``: zero-mean targets, the paper's setting; ``clipped_difference_db``).
    """
    runs = {}
    for key in GAUSSIAN_RUNS:
        found = reader.json(f"miniproject_1/gaussian25_{key}.json", optional=key == "n2n")
        if found is not None:
            history = [{k: h[k] for k in ("epoch", "loss", "val_psnr", "psnr") if k in h} for h in found.get("history", [])]
            runs[key] = {k: found.get(k) for k in ("method", "pairs", "epochs", "threads", "train_seconds", "val_psnr", "noisy_psnr")}
            runs[key]["history"] = history
    if not runs:
        return None

    def gap(key: str) -> float | None:
        return runs[key]["val_psnr"] - runs["n2c"]["val_psnr"] if key in runs and "n2c" in runs else None

    runs["difference_db"], runs["clipped_difference_db"] = gap("n2n_raw"), gap("n2n")
    bias = reader.json("miniproject_1/gaussian25_clip_bias.json")
    runs["clip_bias"] = None if bias is None else {k: bias.get(k) for k in ("mean_squared_bias", "n2c_psnr", "n2c_plus_clip_bias_psnr", "estimated_cost_db")}
    return runs


def ablation(reader: ResultsReader, arch: dict) -> dict | None:
    rows = reader.csv("miniproject_1/ablations.csv")
    if not rows:
        return None
    kept = [{k: row.get(k) for k in ABLATION_FIELDS} | {"noisy_psnr": row.get("noisy_psnr")} for row in rows]
    for row in kept:
        row["chosen"] = row["width"] == arch["width"] and row["depth"] == arch["depth"]
    for row in kept:
        row["label"] = f"{row['width']}×{row['depth']}"
    best = max(kept, key=lambda r: r["val_psnr"])
    # A size is dominated when a smaller (or equal) network scored higher: it cost more for less.
    dominated = [{"label": r["label"], "params": r["params"], "val_psnr": r["val_psnr"], "train_seconds": r["train_seconds"],
                  "by": b["label"], "by_params": b["params"], "by_val_psnr": b["val_psnr"], "by_train_seconds": b["train_seconds"]}
                 for r in kept for b in [max((o for o in kept if o["params"] <= r["params"] and o["val_psnr"] > r["val_psnr"]),
                                              key=lambda o: o["val_psnr"], default=None)] if b is not None]
    return {"rows": kept, "best": best["label"], "best_val_psnr": best["val_psnr"], "dominated": dominated}


def whole_photos(reader: ResultsReader) -> dict | None:
    """Mean whole-photo PSNR per denoiser and sigma (``results/whole_photos/quality.json``), with its settings, the
    figure's record, and the margins over BM3D on the validation and the reserved photos (with and without ``--adapt``)."""
    found = reader.json(WHOLE_PHOTOS)
    means = whole_photo_means(reader)
    if not found or not means:
        return None
    # The report keeps to what n2n denoise writes, so not the network without the grey step (`--grey no`).
    rows = [[name, values] for name, values in means["means"].items() if "--grey no" not in name]
    figure = reader.json("whole_photos/figure.json", optional=True)
    reserved = reader.json("whole_photos/reserved.json", optional=True)
    adapted = reader.json("whole_photos/adapt_40x5.json", optional=True)
    reserved_adapted = reader.json("whole_photos/reserved_adapt.json", optional=True)
    return {"sigmas": means["sigmas"], "rows": rows, "photos": means["photos"],
            "size": found["settings"]["size"], "date": found.get("date", "")[:10], "figure": figure,
            "margins": margins_over_bm3d(found),
            "reserved": None if reserved is None else {"photos": len(reserved["photos"]), "margins": margins_over_bm3d(reserved)},
            # n2n evaluate --photos --adapt (validation photos) and reserved_photos --adapt: the "(--adapt)" rows
            "adapt": None if adapted is None else margins_over_bm3d(adapted, ADAPT_ROW),
            "reserved_adapt": None if reserved_adapted is None else margins_over_bm3d(reserved_adapted, ADAPT_ROW)}


ADAPT_ROW = "(--adapt)"


def short_label(name: str) -> str:
    """A denoiser's row name without a trailing description in brackets, unless that names a variant (ensemble, --adapt):
    ``"Miniproject_1 shipped (U-Net 40×5, ...)"`` -> ``"Miniproject_1 shipped"``."""
    if name.endswith(")") and " (" in name:
        head, tail = name.rsplit(" (", 1)
        if not any(word in tail for word in ("ensemble", "adapt")):
            return head
    return name


def margins_over_bm3d(found: dict, contains: str | None = None) -> list[dict]:
    """Each shipped Miniproject_1 row of a whole-photo result (as ``n2n denoise`` writes it, so not the ``--grey no`` row)
    minus BM3D, per sigma: issue #10's "beat BM3D" measure.
    ``contains``: instead, every row whose name contains it (e.g. ``"(--adapt)"``)."""
    means = {(mean["denoiser"], mean["sigma"]): mean["psnr"] for mean in found["means"]}
    bm3d = next((name for name, _ in means if name.startswith("BM3D")), None)
    names = dict.fromkeys(name for name, _ in means
                          if (contains in name if contains is not None
                              else name.startswith("Miniproject_1 shipped") and "--grey no" not in name))
    return [{"denoiser": name, "label": short_label(name), "margins": {sigma_label(sigma): means[name, sigma] - means[bm3d, sigma]
                                           for sigma in found["settings"]["sigmas"] if (name, sigma) in means and (bm3d, sigma) in means}}
            for name in names if bm3d is not None]


def single_image_gaps(training: dict) -> list[dict]:
    """Single image (same crops, then 2x crops; unbiased targets; then 2x crops with clipped targets: absolute
    errors, the regulariser's weight ending at 0.5, both; where measured) minus Noise2Noise, per training noise of a
    ``single_image/training.json``: ``{"noise", "variant", "crops" (None without a crop set), "photos_25"}``."""
    from n2n.report.single_image_results import summarise_training

    summary, gaps = summarise_training(training), []
    for noise in training["settings"]["noises"]:
        by_name = {row["denoiser"]: row for row in summary if row["noise"] == noise}
        pairs = by_name.get("Noise2Noise")
        for variant in ("same crops", "2x crops", "2x crops, clipped targets, L1", "2x crops, clipped targets, γ 0.5",
                        "2x crops, clipped targets, L1, γ 0.5"):
            method = "Neighbor2Neighbor (single image)" + ("" if variant == "same crops" else f", {variant}")
            single = by_name.get(method)
            if single and pairs and 25.0 in single["photos"] and 25.0 in pairs["photos"]:
                crops = None if single["crops"] is None or pairs["crops"] is None else single["crops"] - pairs["crops"]
                gaps.append({"noise": noise, "variant": variant, "crops": crops,
                             "photos_25": single["photos"][25.0] - pairs["photos"][25.0]})
    return gaps


def single_image(reader: ResultsReader) -> dict | None:
    """Issue #11: training without pairs (``results/single_image/training.json``) and ``--adapt`` (``adapt.json``)."""
    from n2n.report.single_image_results import summarise_training

    training = reader.json("single_image/training.json", optional=True)
    adapt = reader.json("single_image/adapt.json", optional=True)
    if training is None and adapt is None:
        return None
    result: dict = {"training": None, "adapt": None}
    if training is not None:
        sigmas = training["settings"].get("sigmas") or [25.0]
        columns = ["crops"] + [f"σ = {sigma:g}" for sigma in sigmas]
        rows = [[f"{row['denoiser']} ({row['noise']})",
                 {"crops": "–" if row["crops"] is None else f"{row['crops']:.2f}",
                  **{f"σ = {sigma:g}": f"{row['photos'][sigma]:.2f}" for sigma in sigmas if sigma in row["photos"]}}]
                for row in summarise_training(training)]
        settings = training["settings"]
        no_pixelation = reader.json("single_image/no_pixelation/training.json", optional=True)
        second_seed = reader.json("single_image/seed1/training.json", optional=True)
        result["training"] = {"columns": columns, "rows": rows, "steps": settings["steps"], "arch": settings["arch"],
                              "batch_size": settings["batch_size"], "crop_size": settings["crop_size"],
                              "gaps": single_image_gaps(training),
                              "no_pixelation_gaps": single_image_gaps(no_pixelation) if no_pixelation else None,
                              "second_seed": None if second_seed is None else
                              {"seed": second_seed["settings"]["seed"], "gaps": single_image_gaps(second_seed)}}
    if adapt is not None:
        from n2n.report.single_image_results import model_label

        result["adapt"] = {"means": adapt["means"], "lr": adapt["settings"]["adapt_lr"], "model": model_label(adapt["settings"]),
                           "loss": adapt["settings"].get("loss", "Neighbor2Neighbor")}
    return result


# The main table's rows: (label, crop-set method prefix, whole-photo denoiser prefix, highlighted).
MAIN_ROWS = [
    ("noisy input", "noisy input", "noisy input", False),
    ("BM3D", "BM3D", "BM3D", False),
    ("Miniproject_1 shipped", "Miniproject_1 shipped", "Miniproject_1 shipped (", True),
    ("shipped, ×8 ensemble", None, "Miniproject_1 shipped, x8", False),
    ("Model() trained 1 epoch", "Miniproject_1, Model.train 1 epoch", None, False),
]


def photo_ablation(reader: ResultsReader, shipped: dict | None) -> dict | None:
    """U-Net sizes trained alike for a few hundred steps on photos (``miniproject_1/photo_ablation.csv``): parameters,
    cost per pixel, whole-photo PSNR per sigma and crop-set PSNR; ``chosen``: the shipped network's size."""
    rows = reader.csv("miniproject_1/photo_ablation.csv")
    if not rows:
        return None
    sigmas = [int(key.removeprefix("photo_sigma")) for key in rows[0] if key.startswith("photo_sigma")]
    sets = ordered_sets(key.removeprefix("crops_") for key in rows[0] if key.startswith("crops_"))
    first = rows[0]
    return {"steps": first["steps"], "batch_size": first["batch_size"], "crop": first["crop"], "lr": first["lr"],
            "sigmas": [sigma_label(s) for s in sigmas], "sets": sets,
            "rows": [{"label": str(row["arch"]).replace("x", "×"), "params": row["params"], "kmac_per_pixel": row["kmac_per_pixel"],
                      "train_seconds": row["train_seconds"], "predict_512_seconds": row["predict_512_seconds"],
                      "photos": {sigma_label(s): row[f"photo_sigma{s}"] for s in sigmas},
                      "bm3d": {sigma_label(s): row[f"bm3d_sigma{s}"] for s in sigmas},
                      "crops": {name: row[f"crops_{name}"] for name in sets},
                      "chosen": shipped is not None and str(row["arch"]).replace("x", "×") == shipped["label"]} for row in rows]}


# Runs trained after the shipped network, each scored on its last epoch: (label, results/whole_photos/ stem of the
# per-epoch whole-photo scores, of the crop-set scores). The first is the shipped network itself, the reference.
AFTER_SHIPPING = (
    ("shipped (6th cycle, 10 % grey crops)", "cycle6_epochs", "cycle6_epoch10_crops"),
    ("25 % grey crops (7th cycle)", "cycle7_epochs", "cycle7_epoch16_crops"),
    ("same noise in every channel (8th cycle)", "cycle8_epochs", "cycle8_epoch16_crops"),
    ("the shipped recipe once more (9th cycle)", "cycle9_epochs", "cycle9_epoch12_crops"),
    ("wider full-resolution level (48 channels)", "fullres48_cycle1_epochs", "fullres48_cycle1_crops"),
    ("clean targets (Noise2Clean control)", "n2c_cycle1_epochs", "n2c_cycle1_crops"),
    ("self-distillation from the ×8 ensemble", "distill_cycle1_epochs", "distill_cycle1_crops"),
)
# The Noise2Clean control repeats the 9th cycle (same start, recipe and seed) with clean targets.
NOISE2CLEAN_CONTROL = ("n2c_cycle1_crops", "cycle9_epoch12_crops")


def scored_run(reader: ResultsReader, epochs_stem: str, crops_stem: str) -> dict | None:
    """The checkpoint that ``<crops_stem>.json`` scored on the crop sets, with its whole-photo PSNR per sigma from
    ``<epochs_stem>.json`` (network alone); None when either file is missing."""
    crops = reader.json(f"whole_photos/{crops_stem}.json", optional=True)
    epochs = reader.json(f"whole_photos/{epochs_stem}.json", optional=True)
    if not crops or not epochs:
        return None
    checkpoint = next(row["denoiser"] for row in crops if row["denoiser"] != "noisy input")
    photos = {sigma_label(m["sigma"]): m["psnr"] for m in epochs["means"] if m["denoiser"] == checkpoint}
    return {"checkpoint": checkpoint, "photos": photos,
            "crops": {row["val_set"]: row["psnr"] for row in crops if row["denoiser"] == checkpoint}}


def after_shipping(reader: ResultsReader) -> dict | None:
    """Each run of :data:`AFTER_SHIPPING` found, with its scores minus the shipped network's (``delta_photos``,
    ``delta_crops``), and the Noise2Clean control minus its Noise2Noise twin on the crop sets."""
    scored = [(label, scored_run(reader, epochs, crops)) for label, epochs, crops in AFTER_SHIPPING]
    reference = scored[0][1]
    if reference is None:
        return None
    runs = []
    for label, run in scored[1:]:
        if run is None:
            continue
        runs.append({"label": label, **run,
                     "delta_photos": {k: v - reference["photos"][k] for k, v in run["photos"].items() if k in reference["photos"]},
                     "delta_crops": {k: v - reference["crops"][k] for k, v in run["crops"].items() if k in reference["crops"]}})
    clean, noisy = (scored_run(reader, "n2c_cycle1_epochs", NOISE2CLEAN_CONTROL[0]), scored_run(reader, "cycle9_epochs", NOISE2CLEAN_CONTROL[1]))
    control = None if clean is None or noisy is None else {k: clean["crops"][k] - noisy["crops"][k] for k in clean["crops"] if k in noisy["crops"]}
    return {"reference": {"label": scored[0][0], **reference}, "runs": runs, "noise2clean_minus_noise2noise_crops": control}


def timing(reader: ResultsReader) -> dict | None:
    found = reader.json("miniproject_1/timing.json")
    if not found:
        return None
    result = {}
    if "train" in found:
        t = found["train"]
        result["train"] = {k: t.get(k) for k in ("pairs", "num_epochs", "seconds", "process_cpu_seconds", "target_seconds", "val_psnr_after", "met")}
        result["train"]["threads"] = t.get("machine", {}).get("torch_threads")
    if "predict" in found:
        p = found["predict"]
        result["predict"] = {part: {k: p[part].get(k) for k in ("shape", "seconds", "target_seconds", "met")} for part in ("crops", "image_512") if part in p}
    if "denoise_4000x3000" in found:
        d = found["denoise_4000x3000"]
        result["denoise"] = {k: d.get(k) for k in ("seconds", "peak_rss_gib", "target_gib", "met")}
    return result


def collect(results: str | Path, repo: str | Path) -> dict:
    """Report_1's numbers from the results folder ``results`` (and the code/data in ``repo``)."""
    reader = ResultsReader(results)
    arch_setup = setup()
    data = {
        "report": "Miniproject_1",
        "context": CONTEXT,
        "setup": arch_setup,
        "data": data_counts(Path(repo) / "data" / "manifest.json"),
        "noisy_psnr": noisy_psnr(reader),
        "quality": quality(reader, "miniproject_1/quality.json"),
        "gaussian": gaussian(reader),
        "shipped_training": photo_training_log(reader, "miniproject_1/shipped_training.csv"),
        "shipped_cycles": shipped_cycles(reader),
        "course_training": training_log(reader, "miniproject_1/bestmodel_training.csv"),
        "finetune": reader.json("miniproject_1/finetune.json"),
        "ablation": ablation(reader, arch_setup["arch"]),
        "photo_ablation": photo_ablation(reader, arch_setup["shipped"]),
        "after_shipping": after_shipping(reader),
        "timing": timing(reader),
        "whole_photos": whole_photos(reader),
        "single_image": single_image(reader),
    }
    data["training_cycles"] = training_cycles(data["shipped_training"], data["shipped_cycles"])
    data["main_table"] = main_table(data["quality"], whole_photo_means(reader), MAIN_ROWS)
    data["inputs"] = reader.inputs()
    return data
