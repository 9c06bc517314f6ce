"""Every number of Report_1 (Miniproject_1), collected from the results files.

:func:`collect` returns a JSON-serialisable dict; a section is None when its results file is
missing (``inputs["missing"]`` names the file), and the template then says so.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from n2n.report.common import CONTEXT, data_counts, noisy_psnr, quality, training_log
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
    """Mean whole-photo PSNR per denoiser and sigma (``results/whole_photos/quality.json``), with its settings."""
    found = reader.json("whole_photos/quality.json")
    if not found:
        return None
    sigmas = [f"σ = {sigma:g}" for sigma in found["settings"]["sigmas"]]
    table: dict[str, dict[str, str]] = {}
    for mean in found["means"]:
        if "--grey no" in mean["denoiser"]:
            continue  # the docs show the network without the grey step; the report keeps to what n2n denoise writes
        table.setdefault(mean["denoiser"], {})[f"σ = {mean['sigma']:g}"] = f"{mean['psnr']:.2f}"
    figure = reader.json("whole_photos/figure.json", optional=True)
    reserved = reader.json("whole_photos/reserved.json", optional=True)
    adapted = reader.json("whole_photos/adapt_40x5.json", optional=True)
    reserved_adapted = reader.json("whole_photos/reserved_adapt.json", optional=True)
    return {"sigmas": sigmas, "rows": [[name, values] for name, values in table.items()], "photos": len(found["photos"]),
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
    return [{"denoiser": name, "label": short_label(name), "margins": {f"σ = {sigma:g}": means[name, sigma] - means[bm3d, sigma]
                                           for sigma in found["settings"]["sigmas"] if (name, sigma) in means and (bm3d, sigma) in means}}
            for name in names if bm3d is not None]


def single_image_gaps(training: dict) -> list[dict]:
    """Single image (same crops, then 2x crops; unbiased targets; then 2x crops with clipped targets: absolute
    errors, the regulariser's weight ending at 0.5, both; where measured) minus Noise2Noise, per training noise of a
    ``single_image/training.json``: ``{"noise", "variant", "crops" (None without a crop set), "photos_25"}``."""
    from n2n.experiments.single_image import summarise_training

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
    from n2n.experiments.single_image import summarise_training

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
        from n2n.experiments.single_image import model_label

        result["adapt"] = {"means": adapt["means"], "lr": adapt["settings"]["adapt_lr"], "model": model_label(adapt["settings"]),
                           "loss": adapt["settings"].get("loss", "Neighbor2Neighbor")}
    return result


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
        "timing": timing(reader),
        "whole_photos": whole_photos(reader),
        "single_image": single_image(reader),
    }
    data["inputs"] = reader.inputs()
    return data
