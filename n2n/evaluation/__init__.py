"""Evaluation: denoisers against clean images.

- :mod:`.evaluate`: PSNR tables of denoisers x validation sets (``n2n evaluate``, ``n2n demo``);
- :mod:`.baselines`: the classical bars, NL-means and BM3D (the ``baselines`` extra).
"""
