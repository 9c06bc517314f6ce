"""Inference: checkpoints in, denoised images out.

- :mod:`.denoisers`: the registry of shipped denoisers (``miniproject1``, ``miniproject2``) and
  loaders for users' checkpoints of either Miniproject;
- :mod:`.scratch_denoiser`: denoise with a checkpoint of the from-scratch engine;
- :mod:`.tiling`: photos of any size, tile by tile with blended overlaps (bounded memory);
- :mod:`.grey`: black-and-white photos stored as RGB, found from their noise and kept grey;
- :mod:`.photo`: one photo as ``n2n denoise`` runs it (tiling, then the grey step);
- :mod:`.image_types`: the Python API's images (NumPy, Pillow, torch; uint8, uint16, float) to and from
  the float ``(N, C, H, W)`` tensors in [0, 255] the denoisers take (the API itself: :mod:`n2n.api`);
- :mod:`.adapt`: fine-tune a copy of a network on the noisy photo itself before denoising it.
"""
