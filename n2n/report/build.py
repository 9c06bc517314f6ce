"""Build Report_1.pdf and Report_2.pdf: collect the numbers, draw the figures, typeset with Typst.

For report ``n`` the build folder ``<build>/report_<n>/`` receives ``data.json`` (the report data),
``figures/*.png`` and copies of the Typst sources from ``templates/``; Typst compiles them with
that folder as its root (it reads nothing else) and only the bundled fonts, so the output does not
depend on the machine. The PDF and the report data go to ``<out>/Miniproject_<n>/Report_<n>.pdf``
and ``report_data.json``, written atomically.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import typst

from n2n.fileio import atomic_write, atomic_write_text
from n2n.paths import REPO_ROOT
from n2n.report import collect_mp1, collect_mp2, details, figures, samples
from n2n.report.measure import measure

REPO = REPO_ROOT
TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_PAGES = 3  # the course's limit
# Legibility (issue #36): a report of at most MAX_PAGES pages, about MAX_WORDS words, body type of at least MIN_BODY_PT
# and no type below MIN_SMALL_PT (tables, captions); common.typ sets the sizes.
MAX_WORDS = 1900
MIN_BODY_PT = 10.0
MIN_SMALL_PT = 8.5


@dataclass(frozen=True)
class ReportSpec:
    number: int
    collect: Callable[[Path, Path], dict]
    draw: Callable[[dict, Path, Path], dict]  # report data, figures folder, results folder -> {figure name: file name or None}

    @property
    def folder(self) -> str:
        return f"Miniproject_{self.number}"

    @property
    def pdf_name(self) -> str:
        return f"Report_{self.number}.pdf"


def draw_mp1(data: dict, folder: Path, results: Path) -> dict:
    drawn = {"ablation": figures.mp1_ablation(data["gaussian"], data["photo_ablation"], data["training_cycles"], folder / "ablation.png"),
             "whole_photo": copy_result_figure(results / "whole_photos" / "figure.png", folder / "whole_photo.png")}
    return {name: f"figures/{name}.png" if ok else None for name, ok in drawn.items()}


def copy_result_figure(source: Path, target: Path) -> bool:
    """Figures that need hours of computing (BM3D on a whole photo) are made by an experiment script into
    ``results/``; the build only copies them. False when ``source`` is missing."""
    if not source.is_file():
        return False
    shutil.copyfile(source, target)
    return True


def draw_mp2(data: dict, folder: Path, results: Path) -> dict:
    drawn = {"parity": figures.mp2_parity(data["parity"], data["parity_steps"], folder / "parity.png"),
             "ablation": figures.mp2_ablation(data["ablation"], folder / "ablation.png"),
             "speed": figures.mp2_speed(data["bench"], data["unet"], folder / "speed.png")}
    return {name: f"figures/{name}.png" if ok else None for name, ok in drawn.items()}


REPORTS = {1: ReportSpec(1, collect_mp1.collect, draw_mp1), 2: ReportSpec(2, collect_mp2.collect, draw_mp2)}


def collect(number: int, results: str | Path, repo: str | Path = REPO) -> dict:
    """The report data of report ``number`` from the results folder (what ``report_data.json`` holds under ``results``)."""
    return REPORTS[number].collect(Path(results), Path(repo))


def typeset(source: Path) -> bytes:
    """PDF bytes of the Typst file ``source`` (its folder is the root; bundled fonts only)."""
    try:
        return typst.compile(str(source), root=str(source.parent), ignore_system_fonts=True)
    except typst.TypstError as error:  # a template bug: show Typst's located diagnostic, not just its first line
        raise ValueError(f"Typst could not typeset {source}:\n{getattr(error, 'diagnostic', '') or error}") from error


def qualitative(number: int, repo: Path, folder: Path, count: int, denoiser: samples.Denoiser | None) -> dict:
    """Crop grid and example photo with the shipped model (or ``denoiser``); the reason when skipped."""
    result = {"crops": None, "photo": None, "crops_figure": None, "photo_figure": None, "unavailable": None}
    if count < 1:
        result["unavailable"] = "skipped for this build (--samples 0)"
        return result
    try:
        denoise = denoiser or samples.shipped_denoiser(number)
    except (FileNotFoundError, ValueError, RuntimeError, OSError) as error:
        reason = str(error).splitlines()[0].replace(f"{repo}/", "")  # repository-relative: the same on every machine
        result["unavailable"] = f"the shipped model could not be loaded ({reason})"
        return result
    result["crops"] = samples.crop_grid(denoise, repo, folder / "crops.png", count)
    result["photo"] = samples.example_photo(denoise, repo, folder / "photo.png")
    result["crops_figure"] = "figures/crops.png" if result["crops"] else None
    result["photo_figure"] = "figures/photo.png" if result["photo"] else None
    return result


def build_report(number: int, results: Path, out_dir: Path, build_dir: Path, sample_count: int = 2,
                 denoiser: samples.Denoiser | None = None, repo: Path = REPO) -> dict:
    """Build one report; returns ``{"pdf", "data", "pages", "missing"}``."""
    spec = REPORTS[number]
    work = build_dir / f"report_{number}"
    figure_folder = work / "figures"
    figure_folder.mkdir(parents=True, exist_ok=True)
    data = spec.collect(results, repo)
    build = {"figures": spec.draw(data, figure_folder, results), "samples": qualitative(number, repo, figure_folder, sample_count, denoiser)}
    document = {"results": data, "build": build}
    atomic_write_text(json.dumps(document, indent=1) + "\n", work / "data.json", overwrite=True)
    for source in TEMPLATES.glob("*.typ"):
        shutil.copyfile(source, work / source.name)
    pdf = typeset(work / f"report_{number}.typ")
    build["layout"] = measure(pdf)
    pages = build["layout"]["pages"]
    build["pages"] = pages
    target = out_dir / spec.folder
    pdf_path = atomic_write(target / spec.pdf_name, lambda file: file.write(pdf), overwrite=True)
    data_path = atomic_write_text(json.dumps(document, indent=1) + "\n", target / "report_data.json", overwrite=True)
    return {"pdf": pdf_path, "data": data_path, "pages": pages, "layout": build["layout"], "missing": data["inputs"]["missing"],
            "results": data}


def limits_broken(layout: dict) -> list[str]:
    """What in a built report's ``layout`` (:func:`measure`) breaks the limits above, in words; empty when none."""
    broken = []
    if layout["pages"] > MAX_PAGES:
        broken.append(f"{layout['pages']} pages, the course allows {MAX_PAGES}")
    if layout["words"] > MAX_WORDS:
        broken.append(f"{layout['words']} words, more than {MAX_WORDS}")
    if layout["body_pt"] is not None and layout["body_pt"] < MIN_BODY_PT:
        broken.append(f"body type {layout['body_pt']} pt, under {MIN_BODY_PT} pt")
    if layout["smallest_pt"] is not None and layout["smallest_pt"] < MIN_SMALL_PT:
        broken.append(f"type as small as {layout['smallest_pt']} pt, under {MIN_SMALL_PT} pt")
    return broken


def build_reports(results: str | Path = REPO / "results", out_dir: str | Path = REPO, build_dir: str | Path = REPO / "build" / "report",
                  numbers=(1, 2), sample_count: int = 2, denoisers: dict | None = None, repo: str | Path = REPO) -> list[dict]:
    """Build the reports ``numbers``; ``denoisers`` maps a report number to a stand-in for its shipped model."""
    results, out_dir, build_dir = Path(results), Path(out_dir), Path(build_dir)
    if not results.is_dir():
        raise FileNotFoundError(f"results folder {results} does not exist")
    built = [build_report(n, results, out_dir, build_dir, sample_count, (denoisers or {}).get(n), Path(repo)) for n in numbers]
    collected = {report["pdf"].parent.name: report["results"] for report in built}
    report_data = [collected.get(spec.folder) or spec.collect(results, Path(repo)) for spec in REPORTS.values()]
    details.write(*report_data, out_dir / details.PAGE)
    return built
