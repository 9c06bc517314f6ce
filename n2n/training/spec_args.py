"""The parsed ``n2n train`` command line -> a :class:`~n2n.training.spec.TrainSpec`.

The one place that reads the ``argparse.Namespace`` of ``n2n train`` (and of ``python -m n2n.training``).
It converts values (``--widen`` to widths, ``--photo-scales`` to a sorted tuple) and checks nothing else:
:mod:`n2n.training.supports` does.
"""

from __future__ import annotations

import argparse

from n2n.training.spec import DataSpec, EngineSpec, MethodSpec, NoiseSpec, OutputSpec, ScheduleSpec, TrainSpec


def parse_widths(text: str) -> tuple[int, ...]:
    """``"40,48,64"`` -> ``(40, 48, 64)`` (``--widen``); ``ValueError`` naming the expected form."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--widen takes comma-separated channel counts, one per level, full resolution first "
                         f"(e.g. 40,48,64,80,80,80), got {text!r}") from None


def from_args(args: argparse.Namespace) -> TrainSpec:
    """The spec of ``args`` (the options of :func:`n2n.training.options.add_arguments`)."""
    scales = args.photo_scales
    return TrainSpec(
        data=DataSpec(pairs=args.data, noisy_a=args.noisy_a, noisy_b=args.noisy_b, photos=args.photos,
                      single=args.single, from_pairs=args.single_from_pairs, crops=args.crops, crop_size=args.crop_size,
                      limit=args.limit, steps_per_epoch=args.steps_per_epoch,
                      photo_scales=None if scales is None else tuple(sorted(set(scales)))),
        noise=NoiseSpec(noise=args.noise, gray_fraction=args.gray_fraction, same_noise_fraction=args.same_noise_fraction,
                        tone_fraction=args.tone_fraction, tone_gain_max=args.tone_gain_max,
                        jpeg_targets=args.jpeg_targets),
        method=MethodSpec(target=args.target, loss=args.loss, single_loss=args.single_loss, single_gamma=args.single_gamma,
                          single_targets=args.single_targets, teacher=args.teacher,
                          teacher_symmetries=args.teacher_symmetries),
        schedule=ScheduleSpec(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                              no_augment=args.no_augment),
        engine=EngineSpec(name=args.engine, arch=args.arch, init=args.init, from_scratch=args.from_scratch,
                          widen=None if args.widen is None else parse_widths(args.widen), threads=args.threads),
        output=OutputSpec(out=args.out, val=args.val, val_photos=args.val_photos, keep_epochs=args.keep_epochs,
                          resume=args.resume, force=args.force),
    )
