"""Stop ``n2n train`` when the training loss has blown up, instead of training on from a broken state.

Adam at a high peak rate can diverge suddenly: a Miniproject_1 run at 2e-3 over 10 epochs went from a
per-step loss of 0.009 to 1.4 and then 1e6 within a dozen steps, at step 819 of its first epoch's 1 563. Nothing
recovers from there, and ``--resume`` would only continue from the broken weights, so the epoch is
not saved and the run stops with advice; the best checkpoint of the earlier epochs stays as it was.
"""

from __future__ import annotations

import math

# The loss is the MSE on [0, 1] images: a network that outputs values in [0, 1] cannot exceed 1.
MAX_SANE_LOSS = 1.0
# An epoch whose mean loss is this many times the best earlier epoch's has diverged.
MAX_LOSS_GROWTH = 10.0


class TrainingDiverged(ValueError):
    """The training loss blew up; the message says what was kept and what to change."""


def check_not_diverged(epoch: int, loss: float, earlier_losses: list[float], out, lr: float,
                       kept_start: bool = False) -> None:
    """Raise :class:`TrainingDiverged` when ``loss`` (mean training loss of 1-based ``epoch``) is not
    finite, above :data:`MAX_SANE_LOSS`, or :data:`MAX_LOSS_GROWTH` times the best of ``earlier_losses``.
    ``kept_start``: ``out`` already holds the starting weights (the keep-the-best guard)."""
    best_earlier = min(earlier_losses, default=None)
    grew = best_earlier is not None and loss > MAX_LOSS_GROWTH * best_earlier
    if math.isfinite(loss) and loss <= MAX_SANE_LOSS and not grew:
        return
    earlier = f" (best earlier epoch: {best_earlier:.5f})" if best_earlier is not None else ""
    if earlier_losses:
        kept = f"{out} still holds the best earlier epoch"
    else:
        kept = f"{out} holds the starting weights" if kept_start else f"nothing was written to {out}"
    raise TrainingDiverged(
        f"training diverged in epoch {epoch}: mean loss {loss:.4g}{earlier}. {kept}. "
        f"Start over with a lower peak learning rate, e.g. --lr {lr / 2:g} --force.")
