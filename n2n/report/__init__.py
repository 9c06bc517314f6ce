"""The two course reports (``Miniproject_1/Report_1.pdf``, ``Miniproject_2/Report_2.pdf``), built from the results files.

``n2n report`` / ``python -m n2n.report``: :mod:`.collect_mp1` and :mod:`.collect_mp2` turn the
CSV/JSON files under ``results/`` into one JSON-serialisable dict per report (every number the
report shows, plus the list of missing inputs); :mod:`.figures` and :mod:`.samples` draw the
figures; :mod:`.build` writes them and the data file into a build folder and typesets the Typst
templates in ``templates/`` with the ``typst`` package. :mod:`.readme_blocks` keeps the README's
generated tables in step with the results.

Nothing is imported here: matplotlib and typst (the ``report`` extra) load only when a report is built.
"""
