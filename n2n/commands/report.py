"""n2n report: rebuild Miniproject_1/Report_1.pdf and Miniproject_2/Report_2.pdf from the results files."""

from __future__ import annotations

import argparse
from pathlib import Path

from n2n import extras
from n2n.paths import work_root


def register(subparsers: argparse._SubParsersAction) -> None:
    root = work_root()  # the checkout, or the current folder after a regular install
    parser = subparsers.add_parser("report", help="build the two PDF reports from results/", description=__doc__)
    parser.add_argument("--results", type=Path, default=root / "results", help="results folder (default: results/)")
    parser.add_argument("--out-dir", type=Path, default=root,
                        help="writes OUT_DIR/Miniproject_<n>/Report_<n>.pdf and report_data.json (default: the repository)")
    parser.add_argument("--build-dir", type=Path, default=root / "build" / "report", help="figures, data and Typst sources (default: build/report/)")
    parser.add_argument("--samples", type=int, default=2, help="validation crops per noise model in the qualitative figure (0: no model figures)")
    parser.add_argument("--only", type=int, choices=[1, 2], action="append", help="build only this report (repeatable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    extras.require("report", "n2n report")
    from n2n.report.build import build_reports, limits_broken  # matplotlib, typst and pypdf load only here
    from n2n.report.details import PAGE

    if args.samples < 0:
        raise ValueError(f"--samples must be >= 0, got {args.samples}")
    built = build_reports(args.results, args.out_dir, args.build_dir, tuple(args.only or (1, 2)), args.samples)
    status = 0
    for report in built:
        layout = report["layout"]
        note = f"; missing inputs: {', '.join(report['missing'])}" if report["missing"] else ""
        print(f"{report['pdf']} ({layout['pages']} pages, {layout['words']} words, body {layout['body_pt']} pt, "
              f"smallest type {layout['smallest_pt']} pt) and {report['data'].name}{note}")
        for problem in limits_broken(layout):
            print(f"warning: {report['pdf']}: {problem}")
            status = 1
    print(f"{args.out_dir / PAGE} (the results the reports leave out)")
    return status
