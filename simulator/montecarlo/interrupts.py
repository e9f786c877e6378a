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

SIGTERM (`kill`, `timeout`'s default, a job scheduler's first warning) is
handled the same way while a simulation runs, where it would otherwise end
the main process at once and leave its workers computing: the workers are
stopped, the finished runs are shown, nothing is saved, and the command
exits 143 (128 + 15) rather than 130.
"""
from __future__ import annotations

import contextlib
import signal
import threading


class Terminated(KeyboardInterrupt):
    """The KeyboardInterrupt a SIGTERM raises: handled as Ctrl-C is, but the command exits 143."""


class Interrupts:
    """The SIGINT (and SIGTERM) handler of a simulation: raises KeyboardInterrupt for the first signal that
    arrives inside :meth:`interruptible`, and only counts the others (``count``) for the caller to act on.
    ``signum`` is the first signal's number."""

    def __init__(self):
        self.count = 0
        self.signum: int | None = None
        self._interruptible = False

    def __call__(self, signum, frame) -> None:
        self.count += 1
        if self.signum is None:
            self.signum = signum
        if self._interruptible and self.count == 1:
            self._interruptible = False
            raise Terminated if self.terminated else KeyboardInterrupt

    @property
    def received(self) -> bool:
        """Whether SIGINT (or SIGTERM) arrived since this handler was installed."""
        return self.count > 0

    @property
    def terminated(self) -> bool:
        """Whether the first signal was SIGTERM (exit 143) rather than Ctrl-C (exit 130)."""
        return self.signum == signal.SIGTERM

    @property
    def stop(self) -> str:
        """How the stop reads in a message: 'interrupted (Ctrl-C)' or 'terminated (SIGTERM)'."""
        return "terminated (SIGTERM)" if self.terminated else "interrupted (Ctrl-C)"

    @property
    def exit_code(self) -> int:
        """The command's exit code after the stop: 143 for SIGTERM, 130 for Ctrl-C."""
        return 143 if self.terminated else 130

    @contextlib.contextmanager
    def interruptible(self):
        """Let the first SIGINT raise KeyboardInterrupt in here (at once, even while waiting for a worker)."""
        if self.received:   # it came while nothing could be interrupted: act on it now
            raise Terminated if self.terminated else KeyboardInterrupt
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False


@contextlib.contextmanager
def sigint_handled():
    """Handle SIGINT with an :class:`Interrupts` while the block runs, and yield it.

    Yields the handler already installed by an enclosing block (the command
    line covers printing and saving too), or None where SIGINT and SIGTERM
    are both left as they are: outside the main thread, or where someone
    else's handlers (or an ignored SIGINT) are in place. SIGINT is taken
    over only from Python's default handler, SIGTERM only from the default
    action (ending the process at once); a background job of a shell, whose
    SIGINT is ignored, still has its SIGTERM handled.
    """
    if threading.current_thread() is not threading.main_thread():
        yield None
        return
    current = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    enclosing = [h for h in current.values() if isinstance(h, Interrupts)]
    if enclosing:
        yield enclosing[0]
        return
    takes = [signum for signum, default in ((signal.SIGINT, signal.default_int_handler),
                                            (signal.SIGTERM, signal.SIG_DFL)) if current[signum] is default]
    if not takes:
        yield None
        return
    handler = Interrupts()
    for signum in takes:
        signal.signal(signum, handler)
    try:
        yield handler
    finally:
        for signum in takes:
            signal.signal(signum, current[signum])


def stop_raised(handler: Interrupts | None) -> KeyboardInterrupt:
    """What to raise when a simulation came back partial: :class:`Terminated` after a SIGTERM, else
    KeyboardInterrupt."""
    return Terminated() if handler is not None and handler.terminated else KeyboardInterrupt()


def interruptible(handler: Interrupts | None):
    """``handler.interruptible()``, or nothing to do where SIGINT is left as it is (``handler`` None)."""
    return handler.interruptible() if handler is not None else contextlib.nullcontext()


def ignore_sigint() -> None:
    """For a worker process: Ctrl-C reaches every process of the terminal's group; the parent decides. SIGTERM
    gets its default back (a forked worker inherits the parent's handler): stopping the pool ends the worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


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
