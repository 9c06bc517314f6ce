"""What both reports share: validation-set names, the noisy-input PSNRs and the published context."""

from __future__ import annotations

import json
from pathlib import Path

from n2n.evaluation.evaluate import VAL_SETS
from n2n.report.inputs import ResultsReader

SET_NAMES = list(VAL_SETS)  # mixed, gaussian25, poisson, pixelate: the column order of every table
SET_BY_FILE = {Path(path).name: name for name, path in VAL_SETS.items()}

# Published numbers quoted as context (not measured here, and on other data than ours).
CONTEXT = {
    "course_8_conv_db": 24.0,  # course statement: a network with 8 convolutional layers on the course's val_data
    "course_simple_db": 23.0,  # course statement: "an extremely simple benchmark"
    "mp2_published_low_db": 23.0,  # from-scratch course networks on the course data, published reports
    "mp2_published_high_db": 24.4,
}


def noisy_psnr(reader: ResultsReader) -> dict | None:
    """``{set name: PSNR of the noisy input (dB)}`` from ``data/noisy_psnr.json``, or None."""
    found = reader.json("data/noisy_psnr.json")
    if found is None:
        return None
    return {SET_BY_FILE.get(file, file): entry["noisy_psnr_db"] for file, entry in found.get("sets", {}).items()}


def ordered_sets(names) -> list[str]:
    """``names`` in the usual column order, unknown names last."""
    names = list(dict.fromkeys(names))
    return [n for n in SET_NAMES if n in names] + [n for n in names if n not in SET_NAMES]


def data_counts(manifest_path: Path) -> dict | None:
    """Photo and crop counts of the committed validation data (``data/manifest.json``), or None."""
    if not manifest_path.is_file():
        return None
    counts = json.loads(manifest_path.read_text()).get("counts", {})
    return {"photos_train": counts.get("photos", {}).get("train"), "photos_val": counts.get("photos", {}).get("val"),
            "val_crops": counts.get("crops", {}).get("val")}


def quality(reader: ResultsReader, relative: str) -> dict | None:
    """Methods x validation sets from a quality file (``mp1_quality``/``mp2_quality`` format): PSNR on all
    images and, where recorded, on the first ``subset`` images of each set (BM3D runs on those only). The
    subset size is per method: rows measured at different times used different subsets."""
    found = reader.json(relative)
    if not found:
        return None
    sets = ordered_sets(found)
    methods: dict[str, dict] = {}
    for name in sets:
        for row in found[name].get("rows", []):
            entry = methods.setdefault(row["method"], {"method": row["method"], "psnr": {}, "psnr_subset": {}, "subset": None})
            entry["psnr"][name] = row.get("psnr")
            entry["psnr_subset"][name] = row.get("psnr_subset")
            entry["subset"] = row.get("subset", entry["subset"])
    return {"sets": sets, "images": {n: found[n].get("images") for n in sets}, "methods": list(methods.values())}


WHOLE_PHOTOS = "whole_photos/quality.json"


def sigma_label(sigma: float) -> str:
    return f"σ = {sigma:g}"


def whole_photo_means(reader: ResultsReader, relative: str = WHOLE_PHOTOS) -> dict | None:
    """``{"sigmas": [labels], "photos": count, "size": short side, "means": {denoiser: {sigma label: PSNR}}}`` of a
    whole-photo result (``n2n evaluate --photos`` format), or None when the file is missing."""
    found = reader.json(relative)
    if not found:
        return None
    means: dict[str, dict[str, float]] = {}
    for mean in found["means"]:
        means.setdefault(mean["denoiser"], {})[sigma_label(mean["sigma"])] = mean["psnr"]
    return {"sigmas": [sigma_label(s) for s in found["settings"]["sigmas"]], "photos": len(found["photos"]),
            "size": found["settings"].get("size"), "means": means}


def first_match(names, prefix: str, wanted=lambda name: True) -> str | None:
    """The first of ``names`` that starts with ``prefix`` and passes ``wanted``, or None."""
    return next((name for name in names if name.startswith(prefix) and wanted(name)), None)


def main_table(quality_found: dict | None, photos: dict | None, rows: list[tuple[str, str | None, str | None, bool]]) -> dict:
    """The report's main table: one row per ``(label, crop method prefix, whole-photo denoiser prefix, highlight)``.

    Crop cells hold the PSNR on all images of the set, or on the method's first ``subset`` images where that is all it
    ran on (``{"psnr", "subset", "method"}``; the first method with the prefix that has a value, so "BM3D" takes the estimated-σ
    and the true-σ rows together); photo cells the mean whole-photo PSNR per σ. A prefix of None leaves the cells empty;
    a row without any score is left out.
    Denoisers run ``--grey no`` are skipped: the table shows what ``n2n denoise`` writes."""
    sets = quality_found["sets"] if quality_found else []
    sigmas = photos["sigmas"] if photos else []
    table = {"sets": sets, "sigmas": sigmas, "photos": photos["photos"] if photos else None,
             "size": photos["size"] if photos else None, "rows": []}
    for label, crop_prefix, photo_prefix, highlight in rows:
        crops: dict[str, dict | None] = {name: None for name in sets}
        for name in sets:
            for method in (quality_found or {}).get("methods", []):
                if crop_prefix is None or not method["method"].startswith(crop_prefix):
                    continue
                if method["psnr"].get(name) is not None:
                    crops[name] = {"psnr": method["psnr"][name], "subset": None, "method": method["method"]}
                elif method["psnr_subset"].get(name) is not None:
                    crops[name] = {"psnr": method["psnr_subset"][name], "subset": method["subset"], "method": method["method"]}
                if crops[name] is not None:
                    break
        denoiser = None if photo_prefix is None or not photos else first_match(photos["means"], photo_prefix, lambda n: "--grey no" not in n)
        values = photos["means"][denoiser] if denoiser else {}
        row = {"label": label, "highlight": highlight, "crops": crops, "photos": {sigma: values.get(sigma) for sigma in sigmas}}
        if any(crops.values()) or any(v is not None for v in row["photos"].values()):  # a method with no score is left out
            table["rows"].append(row)
    return table


def training_log(reader: ResultsReader, relative: str) -> dict | None:
    """Summary of an ``n2n train`` per-epoch log (``OUT.csv``): epochs, the best validation PSNR (the
    checkpoint ``n2n train`` keeps) and its epoch, total training seconds. None when the file is missing."""
    rows = reader.csv(relative)
    if not rows:
        return None
    best = max(rows, key=lambda row: row["val_psnr"])
    return {"epochs": len(rows), "val_psnr": best["val_psnr"], "best_epoch": best["epoch"],
            "seconds": sum(row["seconds"] for row in rows)}
