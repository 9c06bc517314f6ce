"""Baseline scores already recorded in committed results files, so a fresh checkout need not recompute them.

BM3D takes tens of seconds per whole photo; :mod:`n2n.evaluation.whole_photos` caches each score under
``cache/whole_photos/``, but that cache is not committed, and a fresh checkout (CI, a new machine)
would spend about 15 minutes re-running BM3D on the 6 validation photos. Every whole-photo results file
under ``results/`` already holds those scores with everything their cache key needs (baseline name and
package version, photo id and SHA-256, size, sigma, noise seed, preparation). :func:`recorded_scores`
reads them back, keyed exactly as the cache is (:func:`score_key`), so a score is reused only when all
of it matches; anything else is computed afresh.

A results file is any JSON object with ``settings`` (``size``, ``noise_seed``, ``preparation``,
``baselines``: {row label: version}), ``photos`` (``id``, ``sha256``) and ``rows`` (``kind ==
"baseline"`` rows: ``denoiser``, ``photo``, ``sigma`` or ``noise``, ``psnr``, ``seconds``), at the top level or
under a ``whole_photos`` key (the experiments that embed a whole-photo evaluation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path


def score_key(baseline: str, version: str, photo: str, sha256: str, size: int, column: float | str, seed: int,
              preparation: str) -> dict:
    """The identity of one baseline score (``baseline``: the baseline's cache key, e.g. ``bm3d_rgb``).

    ``column``: the Gaussian sigma (a number: key ``sigma``, as every earlier score) or a noise spec
    such as ``gaussian:25,jpeg:90:420`` (a string: key ``noise``)."""
    noise = {"noise": column} if isinstance(column, str) else {"sigma": float(column)}
    return {"baseline": baseline, "version": version, "photo": photo, "sha256": sha256, "size": int(size),
            **noise, "noise_seed": int(seed), "preparation": preparation}


def canonical(key: Mapping) -> str:
    """A key as a string that two equal keys share."""
    return json.dumps(dict(key), sort_keys=True)


def _evaluations(data: object) -> list[dict]:
    """The whole-photo evaluations in one parsed results file (top level and/or under ``whole_photos``)."""
    if not isinstance(data, dict):
        return []
    found = [data] if {"settings", "photos", "rows"} <= data.keys() else []
    return found + _evaluations(data.get("whole_photos"))


def scores_in(data: object, baseline_keys: Mapping[str, str], source: str = "") -> dict[str, dict]:
    """``{canonical key: {"psnr", "seconds", "recorded"}}`` for the baseline rows of a parsed results file.

    ``baseline_keys`` maps a row label (e.g. ``"BM3D (sigma given)"``) to its baseline's cache key; rows
    of other labels, and files missing a field, give nothing.
    """
    scores = {}
    for evaluation in _evaluations(data):
        try:
            settings = evaluation["settings"]
            versions, size, seed, preparation = settings["baselines"], settings["size"], settings["noise_seed"], settings["preparation"]
            sha = {photo["id"]: photo["sha256"] for photo in evaluation["photos"]}
            for row in evaluation["rows"]:
                name = row.get("denoiser")
                if row.get("kind") != "baseline" or name not in baseline_keys or name not in versions or row.get("photo") not in sha:
                    continue
                column = row["noise"] if "noise" in row else row["sigma"]
                key = score_key(baseline_keys[name], versions[name], row["photo"], sha[row["photo"]], size, column, seed, preparation)
                scores[canonical(key)] = {"psnr": float(row["psnr"]), "seconds": float(row["seconds"]), "recorded": source}
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # not a complete whole-photo evaluation: nothing reusable in it
    return scores


def recorded_scores(folder: Path | None, baseline_keys: Mapping[str, str]) -> dict[str, dict]:
    """:func:`scores_in` over every ``*.json`` under ``folder`` (none if ``folder`` is ``None`` or missing)."""
    scores: dict[str, dict] = {}
    if folder is None or not folder.is_dir() or not baseline_keys:
        return scores
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        scores.update(scores_in(data, baseline_keys, str(path.relative_to(folder))))
    return scores
