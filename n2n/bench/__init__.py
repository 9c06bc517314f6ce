"""Benchmarks that write results files (never timed unit tests).

- :mod:`.framework`: one training step, from-scratch framework vs its torch.nn twin, on four paths
  (:mod:`.framework_steps`: the course network three ways and the U-Net; ``n2n bench framework`` /
  ``python -m n2n.bench framework``);
- :mod:`.timing`: interleaved timing and the machine record shared by the benchmarks;
- :mod:`.timing_mp1`: Miniproject_1's course epoch, ``predict`` and a 12 MP photo
  (``python -m n2n.bench.timing_mp1``);
- :mod:`.twins`: torch.nn twins of the framework's networks, for like-for-like comparisons.
"""
