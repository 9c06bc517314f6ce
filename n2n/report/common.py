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
    images and, where recorded, on the first ``subset`` images (BM3D runs on those only)."""
    found = reader.json(relative)
    if not found:
        return None
    sets = ordered_sets(found)
    methods: dict[str, dict] = {}
    subset = None
    for name in sets:
        for row in found[name].get("rows", []):
            entry = methods.setdefault(row["method"], {"method": row["method"], "psnr": {}, "psnr_subset": {}})
            entry["psnr"][name] = row.get("psnr")
            entry["psnr_subset"][name] = row.get("psnr_subset")
            subset = row.get("subset", subset)
    return {"sets": sets, "subset": subset, "images": {n: found[n].get("images") for n in sets}, "methods": list(methods.values())}


def training_log(reader: ResultsReader, relative: str) -> dict | None:
    """Summary of an ``n2n train`` per-epoch log (``OUT.csv``): epochs, the best validation PSNR (the
    checkpoint ``n2n train`` keeps) and its epoch, total training seconds. None when the file is missing."""
    rows = reader.csv(relative)
    if not rows:
        return None
    best = max(rows, key=lambda row: row["val_psnr"])
    return {"epochs": len(rows), "val_psnr": best["val_psnr"], "best_epoch": best["epoch"],
            "seconds": sum(row["seconds"] for row in rows)}
