"""With only the core dependencies, every command that needs no extra runs; one that does says, in one
line, which extra to install. Each optional package is hidden with ``sys.modules[name] = None`` in a
fresh interpreter, which makes ``import name`` fail as if it were not installed."""

import subprocess
import sys
from pathlib import Path

import pytest

from n2n.extras import EXTRAS, MissingExtra, require

ROOT = Path(__file__).resolve().parents[1]
OPTIONAL = sorted({module for modules in EXTRAS.values() for module in modules} | {"hypothesis"})
HIDE = f"import sys; sys.modules.update(dict.fromkeys({OPTIONAL!r}))"


def n2n_without_extras(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    code = f"{HIDE}; from n2n.cli import main; raise SystemExit(main({list(argv)!r}))"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_hiding_really_hides() -> None:
    code = f"{HIDE}\ntry:\n    import typst\nexcept ImportError:\n    print('hidden')"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "hidden"


HELP_OF = [[], ["train"], ["denoise"], ["evaluate"], ["demo"], ["data", "build"], ["data", "info"], ["bench"], ["report"],
           ["serve"]]


def test_help_of_every_command_works_without_extras(tmp_path: Path) -> None:
    code = (f"{HIDE}\nfrom n2n.cli import main\nfor command in {HELP_OF!r}:\n"
            "    try:\n        main([*command, '--help'])\n    except SystemExit as end:\n        assert end.code == 0, command\n"
            "    print('HELP-OK', *command)")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("HELP-OK") == len(HELP_OF) and run.stdout.count("usage: n2n") == len(HELP_OF)


def test_core_commands_run_without_extras(tmp_path: Path) -> None:
    run = n2n_without_extras("demo", "--limit", "4", "--out", str(tmp_path / "demo"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "dB denoised" in run.stdout
    noisy = ROOT / "n2n" / "package_data" / "examples" / "example_noisy.png"
    run = n2n_without_extras("denoise", str(noisy), "-o", str(tmp_path / "out.png"), "--quiet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    run = n2n_without_extras("evaluate", "--models", "miniproject1", "--limit", "4", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    run = n2n_without_extras("data", "info", str(ROOT / "data" / "val_gaussian25.pkl"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def test_report_names_the_extra_in_one_line(tmp_path: Path) -> None:
    run = n2n_without_extras("report", "--out-dir", str(tmp_path), "--build-dir", str(tmp_path / "build"), cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0, run.stderr
    assert "pip install 'n2n[report]'" in run.stderr and "Traceback" not in run.stderr


def test_serve_names_the_extra_in_one_line(tmp_path: Path) -> None:
    run = n2n_without_extras("serve", "--port", "0", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0, run.stderr
    assert "n2n serve needs the optional package 'starlette': pip install 'n2n[web]'" in run.stderr


def test_require_rejects_unknown_extras_and_reports_missing_modules(monkeypatch) -> None:
    with pytest.raises(ValueError, match="unknown extra"):
        require("nope", "x")
    monkeypatch.setitem(sys.modules, "bm3d", None)
    with pytest.raises(MissingExtra, match=r"pip install 'n2n\[baselines\]'"):
        require("baselines", "BM3D")
