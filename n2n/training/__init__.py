"""Training: noisy pairs (or single noisy images) in, checkpoints and per-epoch CSV logs out.

- :mod:`.options`: the options of ``n2n train`` (also ``python -m n2n.training`` / ``torchrun``);
- :mod:`.engines`: ``run_training`` dispatches to an engine by name;
- :mod:`.torch_engine`: Miniproject_1's U-Net in PyTorch, resumable, optionally DDP;
- :mod:`.scratch_engine`: Miniproject_2's from-scratch framework (course network or U-Net),
  with :mod:`.scratch_models` (architectures) and :mod:`.scratch_optimizer_state` (exact resume);
- :mod:`.neighbor2neighbor`: the Neighbor2Neighbor sub-sampler, loss and step (single noisy images);
- :mod:`.single`: crops of single noisy images and the step loop (``train_single``);
- :mod:`.single_source`: the data source of ``n2n train --single`` / ``--single-from-pairs`` / ``--target single``;
- :mod:`.divergence`: stops a run whose loss blew up.
"""
