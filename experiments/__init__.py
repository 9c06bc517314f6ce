"""The scripts that produce ``results/``: ``python -m experiments.NAME`` from the repository root (see README.md here).

Not part of the installed package: they import ``n2n``, and nothing in ``n2n`` imports them.
"""
