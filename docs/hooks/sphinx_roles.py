"""Griffe extension for the API pages: Sphinx roles in docstrings become Markdown code.

The docstrings name other objects the Sphinx way (``:func:`parse_noise```, ``:mod:`n2n.data.noise```),
which Markdown would print as ``:func:`` followed by the name. mkdocstrings renders docstrings as
Markdown, so each role is replaced by its target in a code span (a leading ``~`` dropped).
"""

from __future__ import annotations

import re

import griffe

ROLE = re.compile(r":(?:py:)?(?:mod|func|meth|class|attr|data|obj|exc|const|ref):`~?([^`]+)`")


class SphinxRolesAsCode(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(r"`\1`", obj.docstring.value)
