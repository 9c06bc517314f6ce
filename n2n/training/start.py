"""Where a new run of ``n2n train`` starts from, and how it trains from trained weights.

- **Users' own noisy data** (``--noisy-a``/``--noisy-b`` folders, a ``--single`` folder) on the torch engine
  starts from the shipped Miniproject_1 weights (``Miniproject_1/bestmodel.pth``): a user with a few noisy photos
  wants the shipped denoiser adapted to them, not a network from nothing. ``--from-scratch`` opts out, and so
  do ``--arch`` (a new network of that shape) and ``--init`` (other weights). A pairs file (``--data``, the
  course's format) and ``--photos`` train from scratch unless ``--init`` is given, as they always have.
- **From trained weights** (those, or ``--init``) a run *fine-tunes* (:func:`fine_tunes`): the peak rate is
  :data:`FINE_TUNE_LR` unless ``--lr`` is given (the from-scratch 1e-3 took the shipped network from 30.0 to
  25.0 dB on ``val_gaussian25`` in one short run), the loss on noisy files is an absolute error
  (:data:`FINE_TUNE_PAIR_LOSS`, :data:`FINE_TUNE_SINGLE_LOSS`: clipping to [0, 255] biases a squared one), and
  the keep-the-best guard scores the starting weights as epoch 0, so that ``OUT`` ends with them unless an epoch
  beats them (:func:`n2n.training.fit.start_guard`).

A resumed run continues its own weights and settings (its checkpoint holds the guard's epoch 0 and best score).
"""

from __future__ import annotations

from dataclasses import replace

from Miniproject_1.model import BEST_MODEL_PATH
from n2n.training.spec import FOLDERS, IMAGES, TrainSpec

SHIPPED_WEIGHTS = BEST_MODEL_PATH
USERS_DATA = frozenset({FOLDERS, IMAGES})  # kinds of data that start from the shipped weights by default

# Peak rate when starting from trained weights. In results/training/clean_free_selection.json (4 short epochs from
# the shipped weights on pairs, folders and single photos) 1e-4 kept the held-out PSNR within -0.10..+0.07 dB of
# the start, while 1e-3 lost 0.46-0.72 dB in the first epoch.
FINE_TUNE_LR = 1e-4
# Losses when fine-tuning on noisy files (clipped uint8): absolute errors, which clipping does not bias.
FINE_TUNE_PAIR_LOSS = "l1"
FINE_TUNE_SINGLE_LOSS = "l1"


def starts_from_shipped(spec: TrainSpec) -> bool:
    """Whether a new run of ``spec`` starts from :data:`SHIPPED_WEIGHTS` without being told to (module docstring)."""
    engine = spec.engine
    return (engine.name == "torch" and spec.data.kind in USERS_DATA and not spec.output.resume
            and engine.init is None and engine.arch is None and not engine.from_scratch)


def resolve_start(spec: TrainSpec) -> TrainSpec:
    """``spec`` with ``--init`` set to the shipped weights where :func:`starts_from_shipped`."""
    if not starts_from_shipped(spec):
        return spec
    return replace(spec, engine=replace(spec.engine, init=SHIPPED_WEIGHTS))


def fine_tunes(spec: TrainSpec) -> bool:
    """Whether a new run of ``spec`` (after :func:`resolve_start`) starts from trained weights."""
    return spec.engine.init is not None and not spec.output.resume


def describe_start(spec: TrainSpec) -> str:
    """One line: what a new run starts from and why (after :func:`resolve_start`)."""
    engine = spec.engine
    if engine.init is None:
        why = " (--from-scratch)" if engine.from_scratch else " (--arch given)" if \
            spec.data.kind in USERS_DATA and engine.arch is not None else ""
        return f"starting from scratch{why}"
    which = "the shipped Miniproject_1 weights" if engine.init == SHIPPED_WEIGHTS else str(engine.init)
    lr = "" if spec.schedule.lr is not None else f", peak rate {FINE_TUNE_LR:g}"
    return (f"fine-tuning {which}{lr}; the starting weights are scored as epoch 0 and kept unless an epoch beats them"
            + ("; --from-scratch to train a new network" if engine.init == SHIPPED_WEIGHTS else ""))
