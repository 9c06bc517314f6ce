"""Training: noisy pairs (or single noisy images) in, checkpoints and per-epoch CSV logs out.

The path of ``n2n train`` (docs/developer/training.md draws it)::

    options --spec_args--> TrainSpec --supports--> engine + data source --engine--> Trainer --fit--> files

- :mod:`.options`: the options of ``n2n train`` (also ``python -m n2n.training`` / ``torchrun``), in groups;
- :mod:`.spec`: the typed :class:`~.spec.TrainSpec`; :mod:`.spec_args` reads the options into one (the only
  reader of the parsed command line); :mod:`.migration` reads what a checkpoint recorded (migrating older ones)
  and merges it with the options of ``--resume``;
- :mod:`.supports`: what engines and data sources declare they support, and the one check of a spec;
- :mod:`.run`: ``n2n train`` from end to end; :mod:`.engines`: the engines by name; :mod:`.start`: where a new
  run starts from (the shipped weights for users' noisy data) and the fine-tuning defaults;
- :mod:`.fit`: the one training loop (epochs, validation, the keep-the-best guard, best epoch, resume, CSV,
  progress, DDP), with :mod:`.validators` (what scores an epoch, with or without clean images),
  :mod:`.holdout` (what is held out of the user's data without ``--val``), :mod:`.eta` (how long the run
  takes) and :mod:`.distributed` (process groups);
- :mod:`.torch_engine`: Miniproject_1's U-Net in PyTorch, with the data sources of :mod:`.sources` (fixed
  pairs, photo streams; :mod:`.stream` the stream's epoch, :mod:`.losses` its loss weightings) and
  :mod:`.single_source` (single noisy images); :mod:`.crop_size`: crop sizes that fit the network;
- :mod:`.scratch_engine`: Miniproject_2's from-scratch framework (course network or U-Net),
  with :mod:`.scratch_models` (architectures) and :mod:`.scratch_optimizer_state` (exact resume);
- :mod:`.neighbor2neighbor`: the Neighbor2Neighbor sub-sampler, loss and step (single noisy images);
- :mod:`.single`: crops of single noisy images and the step loop (``train_single``);
- :mod:`.learner`: a network with its optimiser and schedule; :mod:`.divergence`: stops a run whose loss blew up.
"""
