"""``n2n train`` from end to end: the spec, its checks, the resumed state, the engine's trainer and the loop.

::

    command line --from_args--> TrainSpec --check_spec--> engine + data source
    OUT.last.pth --from_checkpoint (migrated)--> recorded TrainSpec --resume_spec--> the spec to run
    engine.trainer(spec, source, resumed) --> Trainer --fit--> OUT, OUT.last.pth, OUT.csv
"""

from __future__ import annotations

import argparse

import torch

from n2n.fileio import check_not_input, check_writable
from n2n.training.distributed import Distributed
from n2n.training.engines import load_engine
from n2n.training.fit import FitPlan, FitState, companion_paths, fit, kept_epoch_weights
from n2n.training.migration import check_same_selection, fit_state, resume_spec
from n2n.training.spec import TrainSpec
from n2n.training.start import describe_start, fine_tunes, resolve_start
from n2n.training.supports import check_spec
from n2n.training.validators import validators_for


def run_training(args: argparse.Namespace) -> int:
    """``n2n train`` with the parsed options ``args``."""
    return train(TrainSpec.from_args(args))


def check_outputs(spec: TrainSpec) -> None:
    """The files a new run writes are not its inputs, and replace nothing without ``--force``."""
    out = spec.output.out
    inputs = [path for path in (spec.data.pairs, spec.output.val, spec.data.noisy_a, spec.data.noisy_b) if path is not None]
    for output in (out, *companion_paths(out)):
        check_not_input(output, inputs)
    if spec.output.resume or spec.output.force:
        return
    for path in (out, companion_paths(out)[0]):
        check_writable(path)
    if spec.output.keep_epochs:
        kept = kept_epoch_weights(out)
        if kept:
            raise FileExistsError(f"{kept[0]} (an earlier run's epoch weights) already exists; pass --force to "
                                  "replace them or choose another --out")


def train(spec: TrainSpec) -> int:
    """Train as ``spec`` says (module docstring); 0 when done."""
    engine = load_engine(spec.engine.name)
    source = check_spec(spec, engine.supports)
    check_outputs(spec)
    if spec.engine.threads:
        torch.set_num_threads(spec.engine.threads)
    resumed, state = None, FitState()
    last_path = companion_paths(spec.output.out)[0]
    if spec.output.resume:
        if not last_path.is_file():
            raise FileNotFoundError(f"--resume needs {last_path}, which does not exist; train without --resume first")
        resumed = engine.read_checkpoint(last_path)
        # The same data source as the options chose: resume_spec refuses other data or another method.
        spec = resume_spec(spec, TrainSpec.from_checkpoint(resumed, engine.supports.name, last_path), last_path)
        state = fit_state(resumed)
    else:
        spec = resolve_start(spec)
        print(describe_start(spec))
    validators, select = validators_for(spec)
    check_same_selection(state.history, select, last_path)
    # A run from trained weights competes with them (epoch 0); a resumed one did if its history starts there.
    guard = fine_tunes(spec) or bool(state.history and state.history[0]["epoch"] == 0)
    ddp = Distributed()
    try:
        trainer = engine.trainer(spec, source, resumed, ddp)
        plan = FitPlan(spec.schedule.epochs, spec.output.out, validators, select, spec.output.keep_epochs, guard)
        fit(trainer, plan, state, ddp)
    finally:
        ddp.close()
    return 0
