"""Reading ``results/single_image/`` (written by ``python -m experiments.single_image``) for the reports.

:func:`summarise_training` turns ``training.json`` into table rows; :func:`model_label` names the model that
``adapt.json`` adapted. The experiment script prints its own tables from the same functions.
"""

from __future__ import annotations

from pathlib import Path

from Miniproject_1.model import BEST_MODEL_PATH
from n2n.evaluation.whole_photos import NOISY_INPUT
from n2n.fileio import file_sha256

BM3D_ROW = "BM3D (crops: first 100 only)"
CROP_SET_OF_NOISE = {"gaussian:25": "gaussian25", "mixed": "mixed"}  # the committed crop set each training noise matches


def summarise_training(result: dict) -> list[dict]:
    """One row per training noise and denoiser of ``training.json``: ``noise``, ``denoiser``, ``crops`` (mean PSNR
    on the crop set of that noise, ``None`` if none matches or it was not scored), ``photos`` ({sigma: whole-photo
    mean PSNR}); Noise2Clean, Noise2Noise, single image, then BM3D and the noisy input (the same for every noise)."""
    crops = {(row["denoiser"], row["val_set"]): row["psnr"] for row in result["crop_sets"]}
    photos: dict[str, dict[float, float]] = {}
    for mean in result["whole_photos"]["means"]:
        photos.setdefault(mean["denoiser"], {})[mean["sigma"]] = mean["psnr"]
    rows = []
    for noise in result["settings"]["noises"]:
        crop_set = CROP_SET_OF_NOISE.get(noise)
        for run in (run for run in result["runs"] if run["noise"] == noise):
            rows.append({"noise": noise, "denoiser": run["method"], "crops": crops.get((run["label"], crop_set)),
                         "photos": photos.get(run["label"], {})})
        bm3d = next((psnr for (name, val_set), psnr in crops.items() if name.startswith("BM3D") and val_set == crop_set), None)
        rows.append({"noise": noise, "denoiser": BM3D_ROW, "crops": bm3d,
                     "photos": next((values for name, values in photos.items() if name.startswith("BM3D")), {})})
        rows.append({"noise": noise, "denoiser": "noisy input", "crops": crops.get(("noisy input", crop_set)),
                     "photos": photos.get(NOISY_INPUT, {})})
    return rows


def is_shipped_model(path: str, sha256: str | None = None) -> bool:
    """Whether a recorded checkpoint path is the shipped ``Miniproject_1/bestmodel.pth`` (of any checkout) and,
    when the run recorded the weights' ``sha256``, whether those are still the shipped weights."""
    if Path(path).parts[-2:] != BEST_MODEL_PATH.parts[-2:]:
        return False
    return sha256 is None or not BEST_MODEL_PATH.is_file() or file_sha256(BEST_MODEL_PATH) == sha256


def model_label(settings: dict) -> str:
    """How a run's ``settings["model"]`` is named in tables: the shipped 40x5, earlier shipped weights, or the folder."""
    if is_shipped_model(settings["model"], settings.get("weights_sha256")):
        return "40×5 (shipped)"
    if is_shipped_model(settings["model"]):
        return "40×5 (shipped before the current weights)"
    return Path(settings["model"]).parent.name
