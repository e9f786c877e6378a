"""Ctrl-C (SIGINT) during a simulation: stop the runs at once, but never lose the ones that finished.

Like a fire door that closes at the first alarm and then ignores the bell
until everyone is out: the first SIGINT stops the waiting for runs (a
KeyboardInterrupt, as Python raises it), and any further one while the
workers are stopped and the finished runs are gathered, summarised and
printed is only counted. `timeout -s INT` signals the process twice (itself,
then its process group), job schedulers may signal again, and people press
Ctrl-C twice; a second KeyboardInterrupt in the middle of stopping the pool
would otherwise lose every finished run.

Worker processes ignore SIGINT (the parent decides what to stop), so a
terminal's Ctrl-C, which reaches the whole process group, stops them only
through the parent.
"""
from __future__ import annotations

import contextlib
import signal
import threading


class Interrupts:
    """The SIGINT handler of a simulation: raises KeyboardInterrupt for the first SIGINT that arrives inside
    :meth:`interruptible`, and only counts the others (``count``) for the caller to act on."""

    def __init__(self):
        self.count = 0
        self._interruptible = False

    def __call__(self, signum, frame) -> None:
        self.count += 1
        if self._interruptible and self.count == 1:
            self._interruptible = False
            raise KeyboardInterrupt

    @property
    def received(self) -> bool:
        """Whether SIGINT arrived since this handler was installed."""
        return self.count > 0

    @contextlib.contextmanager
    def interruptible(self):
        """Let the first SIGINT raise KeyboardInterrupt in here (at once, even while waiting for a worker)."""
        if self.received:   # it came while nothing could be interrupted: act on it now
            raise KeyboardInterrupt
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False


@contextlib.contextmanager
def sigint_handled():
    """Handle SIGINT with an :class:`Interrupts` while the block runs, and yield it.

    Yields the handler already installed by an enclosing block (the command
    line covers printing and saving too), or None where SIGINT is left as it
    is: outside the main thread, or where someone else's handler (or an
    ignored SIGINT) is in place.
    """
    if threading.current_thread() is not threading.main_thread():
        yield None
        return
    current = signal.getsignal(signal.SIGINT)
    if isinstance(current, Interrupts):
        yield current
        return
    if current is not signal.default_int_handler:
        yield None
        return
    handler = Interrupts()
    signal.signal(signal.SIGINT, handler)
    try:
        yield handler
    finally:
        signal.signal(signal.SIGINT, current)


def interruptible(handler: Interrupts | None):
    """``handler.interruptible()``, or nothing to do where SIGINT is left as it is (``handler`` None)."""
    return handler.interruptible() if handler is not None else contextlib.nullcontext()


def ignore_sigint() -> None:
    """For a worker process: Ctrl-C reaches every process of the terminal's group; the parent decides."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def sigint_ignored():
    """Ignore Ctrl-C while starting worker processes: they inherit the ignoring and leave Ctrl-C
    to this process, which stops them (Python keeps an ignored SIGINT ignored when it starts)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
