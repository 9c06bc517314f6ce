"""Inference: checkpoints in, denoised images out.

- :mod:`.denoisers`: the registry of shipped denoisers (``miniproject1``, ``miniproject2``) and
  loaders for users' checkpoints of either Miniproject;
- :mod:`.scratch_denoiser`: denoise with a checkpoint of the from-scratch engine;
- :mod:`.tiling`: photos of any size, tile by tile with blended overlaps (bounded memory);
- :mod:`.adapt`: fine-tune a copy of a network on the noisy photo itself before denoising it.
"""
