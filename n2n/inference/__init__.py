"""Inference: checkpoints in, denoised images out.

- :mod:`.denoisers`: the registry of shipped denoisers (``miniproject1``, ``miniproject2``) and
  loaders for users' checkpoints of either Miniproject;
- :mod:`.scratch_denoiser`: denoise with a checkpoint of the from-scratch engine;
- :mod:`.tiling`: photos of any size, tile by tile with blended overlaps (bounded memory);
- :mod:`.grey`: black-and-white photos stored as RGB, found from their noise and kept grey;
- :mod:`.photo`: one photo as ``n2n denoise`` runs it (tiling, then the grey step);
- :mod:`.adapt`: fine-tune a copy of a network on the noisy photo itself before denoising it.
"""
