"""Every --help reads as plain text: no reStructuredText (``code``, :mod:`x`) and no Python keyword arguments, for
``n2n``, each of its sub-commands and the ``python -m`` entry points; ``n2n --version``."""

from __future__ import annotations

import argparse
import importlib
import re

import pytest

import n2n
from n2n.cli import build_parser, main

MARKUP = re.compile(r"``|:(mod|func|class|data|meth|attr|obj|exc):`|\b\w+=(True|False|None)\b")


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    """Every command of ``parser`` as the words that select it: ``()`` for ``n2n`` itself, ``("data", "build")``..."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from command_paths(sub, (*prefix, name))


COMMANDS = [pytest.param(path, id=" ".join(("n2n", *path)))
            for path in command_paths(build_parser())]
ENTRY_POINTS = [pytest.param(f"n2n.bench.{name}", id=f"python -m n2n.bench.{name}")
                for name in ("framework", "gpu_session", "nonlocal_cost", "photo_speed", "precision", "timing_mp1", "unet_cost")]
ENTRY_POINTS.append(pytest.param("n2n.training.__main__", id="python -m n2n.training"))


def help_text(run, argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as end:
        run([*argv, "--help"])
    assert end.value.code == 0
    return capsys.readouterr().out


def assert_plain(text: str) -> None:
    found = sorted({match.group(0) for match in MARKUP.finditer(text)})
    assert not found, f"--help shows markup or Python arguments {found}:\n{text}"


def test_every_command_is_reached() -> None:
    paths = {param.values[0] for param in COMMANDS}
    assert {(), ("train",), ("denoise",), ("evaluate",), ("demo",), ("data",), ("data", "build"), ("bench",), ("report",)} <= paths


@pytest.mark.parametrize("path", COMMANDS)
def test_command_help_is_plain_text(path: tuple[str, ...], capsys) -> None:
    text = help_text(main, list(path), capsys)
    assert text.startswith("usage: n2n")
    assert_plain(text)


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_entry_point_help_is_plain_text(module: str, capsys) -> None:
    text = help_text(importlib.import_module(module).main, [], capsys)
    assert text.startswith("usage: python -m")
    assert_plain(text)


def test_the_checker_finds_markup() -> None:
    for text in ("see :mod:`n2n.inference`", "runs ``n2n train``", "pass --force (overwrite=True)"):
        with pytest.raises(AssertionError):
            assert_plain(text)
    assert_plain("PSNR in dB (higher is better); --grey no keeps the colours")


def test_version_prints_the_package_version(capsys) -> None:
    with pytest.raises(SystemExit) as end:
        main(["--version"])
    assert end.value.code == 0
    assert capsys.readouterr().out == f"n2n {n2n.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", n2n.__version__)
