"""A regular (non-editable) install works from any folder: the wheel carries what ``n2n demo`` needs, and only the
product (no experiment scripts, no results)."""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCES = (".git", ".venv", "build", "cache", "runs", "results", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis")
# What the wheel is built from in the quick test: the packaging files, the product, and the two folders it must leave out.
WHEEL_INPUTS = ("pyproject.toml", "README.md", "n2n", "Miniproject_1", "Miniproject_2", "experiments", "results")


def test_the_wheel_holds_the_product_and_no_experiments_or_results(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in WHEEL_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = wheels.glob("n2n-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"n2n", "Miniproject_1", "Miniproject_2"}, sorted(tops)
    assert {"n2n/cli.py", "Miniproject_1/model.py", "Miniproject_2/model.py", "Miniproject_1/bestmodel.pth", "n2n/package_data/weights/jpeg_camera.pth",
            "n2n/package_data/weights/jpeg_camera_weak.pth",
            "n2n/web/page/index.html", "n2n/web/page/app.js", "n2n/web/page/style.css"} <= set(names)
    leaked = [name for name in names if {"experiments", "results"} & set(name.split("/")[:-1])]
    assert not leaked, f"the wheel carries experiment or results files: {leaked[:5]}"


@pytest.mark.slow
def test_wheel_installs_and_runs_the_demo_from_another_folder(tmp_path: Path) -> None:
    # Build from a clean copy of the sources: setuptools builds in the source tree, and a stale
    # build/lib there could smuggle deleted modules into the wheel.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = wheels.glob("n2n-*.whl")

    # A fresh environment that sees this one's third-party packages (torch, numpy, Pillow, tqdm) through
    # a path entry. Lines of a .pth file add folders but do not run the .pth files inside them, so the
    # checkout's editable hook stays out and only the wheel's copy of n2n can be imported.
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "outer_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    where = subprocess.run([str(python), "-c", "import n2n; print(n2n.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert str(env_dir) in where, f"n2n imported from {where}, not from the installed wheel"
    demo = subprocess.run([str(env_dir / "bin" / "n2n"), "demo", "--limit", "8"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "shipped with the package" in demo.stdout and "dB denoised" in demo.stdout
    assert len(list((elsewhere / "runs").glob("demo-*/example_miniproject1_compare.png"))) == 1
