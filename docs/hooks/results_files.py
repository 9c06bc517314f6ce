"""MkDocs hook: publish ``results/`` with the site and resolve the pages' links into it.

Why a hook: every number in these pages comes from a file under ``results/`` at the repository
root, outside ``docs/``, and MkDocs only knows the files under ``docs/``. The pages link to a
results file by its real path relative to the page (from ``docs/methods/x.md``:
``../../results/whole_photos/quality.json``), so the links also work where the Markdown is read
as it is, in a checkout or on a forge. This hook

1. adds every file of ``results/`` to the site, copied verbatim to ``results/...`` (Markdown notes
   in there included: they are published as files, not rendered as pages), and
2. rewrites each link whose target lies under ``results/`` to the path of that copy relative to
   the page,

after which MkDocs validates the link like any other: a link to a results file that does not
exist fails ``mkdocs build --strict``. Links elsewhere are left to MkDocs, which in strict mode
refuses any that leave ``docs/`` (so the pages name source files in code spans, not links).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

RESULTS = "results"
# An inline link's target, ``[text](target)``, or a reference definition, ``[label]: target``.
INLINE_TARGET = re.compile(r"(\]\()([^)\s]+)(\))")
REFERENCE_TARGET = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)", re.MULTILINE)


class ResultsFile(File):
    """A results file published as it is: never rendered as a page, even a Markdown note."""

    def is_documentation_page(self) -> bool:
        return False


def repository_root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def on_files(files: Files, config) -> Files:
    root = repository_root(config)
    for path in sorted((root / RESULTS).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files.append(ResultsFile(path.relative_to(root).as_posix(), str(root), config.site_dir, config.use_directory_urls))
    return files


def site_target(target: str, page_source: Path, page_uri: str, root: Path) -> str | None:
    """The site-relative link for ``target`` when it points into ``results/``, else ``None``."""
    if "://" in target or target.startswith(("#", "mailto:", "/")):
        return None
    path, hash_, fragment = target.partition("#")
    resolved = (page_source.parent / path).resolve()
    try:
        inside = resolved.relative_to(root / RESULTS)
    except ValueError:
        return None
    published = posixpath.join(RESULTS, inside.as_posix())
    return posixpath.relpath(published, posixpath.dirname(page_uri) or ".") + hash_ + fragment


def on_page_markdown(markdown: str, page, config, files) -> str:
    root = repository_root(config)
    source = Path(page.file.abs_src_path)

    def rewrite(match: re.Match) -> str:
        new = site_target(match.group(2), source, page.file.src_uri, root)
        return match.group(0) if new is None else match.group(1) + new + (match.group(3) if match.re is INLINE_TARGET else "")

    return REFERENCE_TARGET.sub(rewrite, INLINE_TARGET.sub(rewrite, markdown))
