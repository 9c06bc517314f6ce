"""What ``n2n train`` holds out of the user's own noisy data when no ``--val`` is given, to score every epoch
without a clean image (:mod:`n2n.training.validators`).

- a pairs file (``--data``, also with ``--single-from-pairs``): pairs, keyed by their index;
- two folders of noisy copies (``--noisy-a``/``--noisy-b``): whole image pairs, keyed by file name;
- a folder of single noisy photos (``--single``): whole images, keyed by their path in the folder.

Which ones: :func:`Miniproject_1.others.heldout.split_held_out` (the keys with the smallest SHA-256 digests),
the one rule ``Model.train`` follows too, so the same data always holds out the same items, in any order, and a
resumed run holds out what it held out before. The data sources train on the rest; the validators read the
held-out part.
"""

from __future__ import annotations

from collections.abc import Sequence

from Miniproject_1.others.heldout import index_keys, split_held_out
from n2n.training.spec import TrainSpec

# Whole images: a larger share than of crops (each image is one sample), at most this many (each is scored on
# its central REGION x REGION px after every epoch, which bounds the cost whatever the photos' size).
IMAGE_FRACTION = 0.1
MAX_IMAGES = 16
REGION = 256


def holds_out(spec: TrainSpec) -> bool:
    """Whether the run scores its epochs on held-out noisy data (no ``--val``)."""
    return spec.output.val is None


def split_pairs(count: int) -> tuple[list[int], list[int]]:
    """``(train, held_out)`` indices of ``count`` pairs of a pairs file."""
    return split_held_out(index_keys(count))


def split_images(names: Sequence[str], what: str) -> tuple[list[int], list[int]]:
    """``(train, held_out)`` indices of whole images called ``names``; ``ValueError`` when there are fewer than two
    (``what``: the option and folder, for the message)."""
    if len(names) < 2:
        raise ValueError(f"{what} holds {len(names)} image{'s' if len(names) != 1 else ''}: without --val, n2n train "
                         "holds out whole images to score each epoch without clean ones, so it needs at least 2; add "
                         "images, or give --val FILE (noisy crops and their clean versions)")
    return split_held_out(list(names), IMAGE_FRACTION, MAX_IMAGES)


def report(held: Sequence[str], total: int, what: str, keyed_by: str) -> str:
    """The one line saying what was held out: ``held`` (names, first few shown) of ``total`` ``what``."""
    shown = ", ".join(held[:4]) + (f" and {len(held) - 4} more" if len(held) > 4 else "")
    return (f"held out {len(held)} of {total} {what} to score each epoch without clean images (chosen by a hash of "
            f"their {keyed_by}, the same in every run): {shown}")
