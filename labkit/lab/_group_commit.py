"""One turn of the event loop's finished trials derived back to back and committed, with its claims, at once.

A sweep used to open two write transactions per trial, one to claim it (`labkit.lab._leases`) and
one to store it (`labkit.lab.Store.put_trial`), and to derive each trial's row the moment its
stream ended, between other trials' requests. `GroupCommit` takes what the workers hand it during
one turn of the loop (claims, `claim`; finished trials, `put_finished` and `put`) and deals with all of it
in the next turn: first every trial's derivation (its row, then the texts the store keeps), one
after another, then one transaction with every write, in the order they came.

Both halves save CPU at zero latency: the commits directly, and the derivations because the same
code run back to back stays in the processor's caches (measured with `benchmarks/scale.py`: labkit's
CPU per trial fell from 0.92 ms to about 0.7 ms with the shared commits, and to about 0.55 ms with
the derivations batched too).

Nothing is weakened by this. Each caller waits for the commit that holds its write, so the runner
counts a trial as finished (progress, ``fresh``, the value `Runner.play` returns) only once it is
on disk, as before: a process killed at any moment (``kill -9``) loses no trial it reported
finished. What it may lose are the writes of that one turn, which were not reported yet: those
trials are run again on resume, like the requests that were in flight. `flush` deals with whatever
is queued at once; the runner calls it when it stops, also when it is cancelled.

A derivation that raises fails only its caller (nothing is written for it). If the group's
transaction fails, each write is tried again in a transaction of its own, so one bad write fails
only the caller that handed it in.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Unpack

from labkit.lab._leases import Claim, Leases
from labkit.lab._store import Store
from labkit.lab._store_text import TrialInputs, trial_writes
from labkit.lab._trial import Trial

__all__ = ["GroupCommit"]

_Write = Callable[[sqlite3.Connection], Any]
"""Statements run inside the group's transaction; what it returns goes to its caller."""
_Prepare = Callable[[], _Write]
"""Work done in the flush before the transaction (a trial's derivation and texts): gives the write."""


class GroupCommit:
    """Claims and trials for ``store``, derived and committed together once per turn of the running event loop."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.transactions = 0
        """Write transactions committed so far (what the tests and benchmarks count)."""
        self._pending: list[tuple[_Prepare, asyncio.Future[Any]]] = []
        self._scheduled = False

    async def claim(self, leases: Leases, experiment: str, key: str) -> Claim:
        """`Leases.claim`, committed with this turn's other writes."""
        result: Claim = await self._queue(lambda: lambda conn: leases.claim_in(conn, experiment, key))
        return result

    async def put_finished(self, experiment: str, derive: Callable[[], tuple[Trial, TrialInputs]]) -> Trial:
        """A finished trial: ``derive()`` gives the `Trial` and `Store.put_trial`'s keyword inputs for it.
        Derived in the next turn with the others, stored in its transaction; returns the trial once
        it is on disk. What ``derive`` raises is raised here, and nothing is written for it."""

        def prepare() -> _Write:
            trial, inputs = derive()
            return _statements(trial_writes(experiment, trial, now=_now, **inputs), result=trial)

        trial: Trial = await self._queue(prepare)
        return trial

    async def put(self, experiment: str, trial: Trial, **inputs: Unpack[TrialInputs]) -> None:
        """`Store.put_trial` (same keyword inputs) for a trial already derived, committed with this
        turn's other writes; returns once it is on disk."""
        await self._queue(lambda: _statements(trial_writes(experiment, trial, now=_now, **inputs), result=None))

    def _queue(self, prepare: _Prepare) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((prepare, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self.flush)  # after the callbacks of this turn: they may queue more
        return future

    def flush(self) -> None:
        """Derive and write everything queued now, in one transaction (each alone if that one fails).
        A trial whose caller stopped waiting (cancelled) is still stored: it was finished and paid for."""
        self._scheduled = False
        batch, self._pending = self._pending, []
        ready: list[tuple[_Write, asyncio.Future[Any]]] = []
        for prepare, future in batch:
            try:
                ready.append((prepare(), future))
            except Exception as exc:  # a trial that cannot be derived or stored: its caller decides
                _settle(future, exc)
        if not ready:
            return
        try:
            results = self.store.transaction(lambda conn: [write(conn) for write, _ in ready])
        except Exception:  # rolled back; each write alone finds the bad one and keeps the others
            for write, future in ready:
                self._one(write, future)
            return
        self.transactions += 1
        for (_, future), result in zip(ready, results, strict=True):
            _settle(future, result=result)

    def _one(self, write: _Write, future: asyncio.Future[Any]) -> None:
        try:
            result = self.store.transaction(write)
        except Exception as exc:  # the caller gets it (a sweep stores that trial as an error)
            _settle(future, exc)
            return
        self.transactions += 1
        _settle(future, result=result)


def _statements(writes: list[tuple[str, tuple[Any, ...]]], *, result: Any) -> _Write:
    def write(conn: sqlite3.Connection) -> Any:
        for sql, args in writes:
            conn.execute(sql, args)
        return result

    return write


def _settle(future: asyncio.Future[Any], error: BaseException | None = None, *, result: Any = None) -> None:
    if future.done():  # its caller was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _now() -> str:
    return datetime.now(UTC).isoformat()
