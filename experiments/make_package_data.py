"""Write the validation crops shipped inside the package: ``python -m experiments.make_package_data``.

A regular ``pip install`` has no checkout, hence no ``data/val_*.pkl`` (6 MB each). The package
ships the first :data:`n2n.paths.PACKAGE_VAL_CROPS` crops of each committed set instead, in the
same course format, so ``n2n demo`` and ``n2n evaluate`` work from any folder. A test checks that
they equal the first crops of ``data/``.
"""

from __future__ import annotations

import argparse

from n2n.data.course import load_val, save_course_file
from n2n.evaluation.evaluate import VAL_SETS
from n2n.paths import PACKAGE_DATA, PACKAGE_VAL_CROPS, REPO_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="replace existing package files")
    args = parser.parse_args(argv)
    for relative in VAL_SETS.values():
        noisy, clean = load_val(REPO_ROOT / relative)
        target = PACKAGE_DATA / "val" / (REPO_ROOT / relative).name
        save_course_file(target, (noisy[:PACKAGE_VAL_CROPS].clone(), clean[:PACKAGE_VAL_CROPS].clone()), overwrite=args.force)
        print(f"{relative} -> {target.relative_to(REPO_ROOT)} ({PACKAGE_VAL_CROPS} crops)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
