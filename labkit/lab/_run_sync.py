"""`run_sync`: a coroutine run to completion from synchronous code, stoppable with one Ctrl-C.

In a terminal there is no running event loop: `asyncio.run` is used, and Ctrl-C cancels the sweep's
task there. In Jupyter the cell runs inside the kernel's loop, so the coroutine gets its own loop in
a worker thread while the calling thread waits in short joins, where a Ctrl-C (or the kernel's
interrupt) can land. Then the worker's task is cancelled: in-flight requests are abandoned and no
new one starts, finished trials are already committed (the store commits each as it finishes), the
worker loop is closed and its thread joined before control returns, and the `KeyboardInterrupt`
that reaches the cell says how to resume. A second Ctrl-C while that happens does not cut it short:
returning early would leave requests running, which is what the interrupt asked to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["INTERRUPTED", "run_sync"]

T = TypeVar("T")
JOIN_S = 0.05
"""How often the waiting thread wakes to let an interrupt in (the worst delay before it is seen)."""
INTERRUPTED = (
    "interrupted: every finished trial is stored; run the same call again to finish the rest "
    "(nothing finished is requested again)"
)


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``make()`` to completion, also from inside a running loop (Jupyter). See the module doc."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    worker = _Worker(make)
    worker.start()
    if not _wait(worker.done):  # interrupted
        worker.cancel()
        while not _wait(worker.done):  # already stopping: a second Ctrl-C keeps waiting until nothing runs
            worker.cancel()
        _join(worker)
        raise KeyboardInterrupt(INTERRUPTED) from None
    _join(worker)
    result: T = worker.outcome()
    return result


def _wait(done: threading.Event) -> bool:
    """Wait for ``done``; False when an interrupt cut the wait short."""
    try:
        while not done.wait(JOIN_S):
            pass
    except KeyboardInterrupt:
        return False
    return True


def _join(worker: threading.Thread) -> None:
    """Join a thread that has finished its work. The waits above are on an Event of our own, never on
    `Thread.join`: an interrupt landing inside `join` can mark a live thread stopped (CPython 3.11)."""
    while True:
        try:
            worker.join()
            return
        except KeyboardInterrupt:
            continue


class _Worker(threading.Thread):
    """A thread with its own event loop, running one coroutine; cancellable from another thread."""

    def __init__(self, make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        super().__init__(name="labkit-run", daemon=True)
        self._make = make
        self._ready = threading.Event()
        self.done = threading.Event()
        """Set when the coroutine has finished, failed or been cancelled and the loop is closed."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._result: Any = None
        self._error: BaseException | None = None

    def run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._task = loop.create_task(self._make())
            self._ready.set()
            self._result = loop.run_until_complete(self._task)
        except BaseException as exc:  # handed to the caller's thread by `outcome`
            self._error = exc
        finally:
            self._ready.set()
            try:
                _close(loop)
            finally:
                self.done.set()

    def cancel(self) -> None:
        """Cancel the coroutine (safe from any thread, before or after it started)."""
        self._ready.wait()
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between: nothing left to cancel
                loop.call_soon_threadsafe(task.cancel)

    def outcome(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._result


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """What `asyncio.run` does on the way out: cancel what is left, finish generators, close."""
    try:
        leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
