"""``n2n.progress.listen``: a thread follows its progress bars without a terminal (``n2n serve``'s progress)."""

from __future__ import annotations

import threading

from n2n import progress
from n2n.progress import bar, listen


def test_steps_of_iterated_and_updated_bars_are_told_shown_or_not() -> None:
    told = []
    with listen(lambda label, done, total: told.append((label, done, total))):
        assert list(bar(range(3), desc="tiles")) == [0, 1, 2]
        with bar(total=4, enabled=False, desc="adapt") as steps:
            steps.update()
            steps.update(2)
    assert told == [("tiles", 1, 3), ("tiles", 2, 3), ("tiles", 3, 3), ("adapt", 1, 4), ("adapt", 3, 4)]


def test_quiet_bars_are_told_too_and_nothing_is_told_outside_the_block() -> None:
    told = []
    progress.set_quiet(True)
    try:
        with listen(lambda *step: told.append(step)):
            list(bar([5, 6]))
    finally:
        progress.set_quiet(False)
    list(bar(range(2), desc="after"))
    assert told == [("", 1, 2), ("", 2, 2)]


def test_each_thread_hears_only_its_own_bars_and_blocks_nest() -> None:
    outer, inner = [], []

    def elsewhere() -> None:
        list(bar(range(2), desc="other thread"))

    with listen(lambda *step: outer.append(step)):
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        with listen(lambda *step: inner.append(step)):
            list(bar(range(1), desc="inner"))
        list(bar(range(1), desc="outer"))
    assert inner == [("inner", 1, 1)] and outer == [("outer", 1, 1)]  # not the other thread's steps
