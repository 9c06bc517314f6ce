"""How long a run of ``n2n train`` will take: an estimate from the first steps, then from the epochs done.

The first few optimiser steps of a run are timed (:data:`TIMED_STEPS`; the first one, which also builds the
kernels, makes this a slight over-estimate), and before the first epoch gets far the run says how long an
epoch and the whole run should take;
after each epoch the time left follows from the epochs so far (training and scoring together).
"""

from __future__ import annotations

import time
from collections.abc import Callable

TIMED_STEPS = 4


def duration(seconds: float) -> str:
    """``seconds`` as a person says it: ``"40 s"``, ``"12 min"``, ``"2.5 h"``."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def finishing(seconds: float, now: Callable[[], float] = time.time) -> str:
    """The local clock time ``seconds`` from now, ``"14:05"``."""
    return time.strftime("%H:%M", time.localtime(now() + seconds))


class RunClock:
    """Estimates for the ``epochs`` epochs a run still has, each of ``steps`` steps, plus ``score_seconds`` of
    scoring per epoch (``0`` until measured); ``clock`` is the timer (``time.perf_counter``)."""

    def __init__(self, epochs: int, steps: int, score_seconds: float = 0.0,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.epochs, self.steps, self.score_seconds, self.clock = epochs, steps, score_seconds, clock
        self.seen, self.started, self.epoch_seconds = 0, clock(), []

    def start(self) -> None:
        """Call when the first epoch's steps begin."""
        self.seen, self.started = 0, self.clock()

    def on_step(self) -> str | None:
        """Call after every step of the run's first epoch: once, after the timed steps (or the epoch's last step),
        the line announcing the expected duration; ``None`` otherwise."""
        self.seen += 1
        if self.seen != min(TIMED_STEPS, self.steps):
            return None
        per_step = (self.clock() - self.started) / self.seen
        epoch = per_step * self.steps + self.score_seconds
        total = epoch * self.epochs
        return (f"timing: {per_step:.2f} s per step: about {duration(epoch)} per epoch, {duration(total)} for "
                f"{self.epochs} epoch{'s' if self.epochs != 1 else ''} (done about {finishing(total)})")

    def after_epoch(self, seconds: float) -> str:
        """Record an epoch that took ``seconds`` (training and scoring); what is left, as ``"about 12 min left"``."""
        self.epoch_seconds.append(seconds)
        left = self.epochs - len(self.epoch_seconds)
        if left <= 0:
            return "done"
        remaining = left * sum(self.epoch_seconds) / len(self.epoch_seconds)
        return f"about {duration(remaining)} left (done about {finishing(remaining)})"
