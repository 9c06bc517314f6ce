"""Progress bars for anything that can take more than a few seconds (tqdm).

Bars go to stderr and show only on a terminal; ``n2n ... --quiet`` (or :func:`set_quiet`) hides
them everywhere. Library callers get the same behaviour by default.

A thread can also follow its bars without a terminal: inside ``with listen(callback):`` every bar that
thread opens calls ``callback(desc, done, total)`` after each step, shown or not (``n2n serve`` shows the
steps of a denoising on its page this way).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from tqdm import tqdm

Listener = Callable[[str, int, "int | None"], None]
_quiet = False
_listeners = threading.local()


def set_quiet(quiet: bool) -> None:
    """Hide (True) or allow (False) every progress bar of this process."""
    global _quiet
    _quiet = bool(quiet)


@contextmanager
def listen(callback: Listener) -> Iterator[None]:
    """Within the block, each bar this thread opens calls ``callback(desc, done, total)`` after every step
    (``total``: ``None`` when the bar does not know it). Blocks nest; the innermost callback is called."""
    previous = getattr(_listeners, "callback", None)
    _listeners.callback = callback
    try:
        yield
    finally:
        _listeners.callback = previous


class _Reported(tqdm):
    """A tqdm bar that also tells the thread's listener of each step, whether or not the bar is shown (a hidden tqdm
    bar keeps no count, so the count is kept here)."""

    def __init__(self, *args: Any, listener: Listener, **options: Any) -> None:
        super().__init__(*args, **options)
        self._listener, self._done = listener, 0
        self._label = options.get("desc") or ""

    def _tell(self, steps: float) -> None:
        self._done += int(steps)
        self._listener(self._label, self._done, self.total)

    def __iter__(self):
        for item in super().__iter__():
            yield item
            self._tell(1)

    def update(self, n: float = 1) -> bool | None:
        shown = super().update(n)
        self._tell(n)
        return shown


def bar(iterable: Iterable | None = None, enabled: bool = True, **options: Any) -> tqdm:
    """``tqdm(iterable, **options)``, silent when quiet, when stderr is not a terminal, or when not ``enabled``
    (e.g. on the non-main processes of a distributed run); reported to the thread's :func:`listen` callback."""
    disable = True if (_quiet or not enabled) else None
    listener = getattr(_listeners, "callback", None)
    if listener is None:
        return tqdm(iterable, disable=disable, **options)
    return _Reported(iterable, disable=disable, listener=listener, **options)
