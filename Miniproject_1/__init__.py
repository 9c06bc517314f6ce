"""Miniproject 1: a Noise2Noise denoiser built with PyTorch (torch.nn and autograd)."""
