"""n2n: Noise2Noise denoising tooling (CLI, data, evaluation, baselines, benchmarks, reports).

The two denoisers live in the course packages ``Miniproject_1`` (PyTorch) and
``Miniproject_2`` (a from-scratch framework); this package builds everything around them.
"""

__version__ = "0.1.0"
