"""Miniproject 2: a Noise2Noise denoiser on a from-scratch framework (no autograd, no torch.nn)."""
