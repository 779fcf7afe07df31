"""One SQLite transaction per turn of the event loop for a sweep's claims and finished trials.

A sweep used to open two write transactions per trial: one to claim it (`labkit.lab._leases`),
one to store it (`labkit.lab.Store.put_trial`). At zero latency a trial takes about a millisecond
of CPU and a commit a good part of a tenth of one. `GroupCommit` takes the claims (`claim`) and
finished trials (`put`) the workers hand it during one turn of the event loop and writes them all
in one transaction, scheduled for the next turn, in the order they came.

Nothing is weakened by this. Each caller waits for the commit that holds its write, so the runner
counts a trial as finished (progress, ``fresh``, the value `Runner.play` returns) only once it is
on disk, as before: a process killed at any moment (``kill -9``) loses no trial it reported
finished. What it may lose are the writes of that one turn, which were not reported yet: those
trials are run again on resume, like the requests that were in flight. `flush` writes whatever is
queued at once; the runner calls it when it stops, also when it is cancelled.

If the group's transaction fails, each write is tried again in a transaction of its own, so one
bad write fails only the caller that handed it in.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from labkit.lab._leases import Claim, Leases
from labkit.lab._store import Store
from labkit.lab._store_text import trial_writes
from labkit.lab._trial import Trial

__all__ = ["GroupCommit"]

_Write = Callable[[sqlite3.Connection], Any]


class GroupCommit:
    """Claims and trials for ``store``, committed together once per turn of the running event loop."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.transactions = 0
        """Write transactions committed so far (what the tests and benchmarks count)."""
        self._pending: list[tuple[_Write, asyncio.Future[Any]]] = []
        self._scheduled = False

    async def claim(self, leases: Leases, experiment: str, key: str) -> Claim:
        """`Leases.claim`, committed with this turn's other writes."""
        result: Claim = await self._queue(lambda conn: leases.claim_in(conn, experiment, key))
        return result

    async def put(self, experiment: str, trial: Trial, **inputs: Any) -> None:
        """`Store.put_trial` (same keyword inputs), committed with this turn's other writes; returns once
        the trial is on disk. Its texts are built and scrubbed here, before it waits."""
        writes = trial_writes(experiment, trial, now=lambda: datetime.now(UTC).isoformat(), **inputs)

        def write(conn: sqlite3.Connection) -> None:
            for sql, args in writes:
                conn.execute(sql, args)

        await self._queue(write)

    def _queue(self, write: _Write) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((write, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self.flush)  # after the callbacks of this turn: they may queue more
        return future

    def flush(self) -> None:
        """Write everything queued now, in one transaction (each alone if that one fails). A write
        whose caller stopped waiting (cancelled) is still made: its trial was finished and paid for."""
        self._scheduled = False
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            results = self.store.transaction(lambda conn: [write(conn) for write, _ in batch])
        except Exception:  # rolled back; each write alone finds the bad one and keeps the others
            for write, future in batch:
                self._one(write, future)
            return
        self.transactions += 1
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    def _one(self, write: _Write, future: asyncio.Future[Any]) -> None:
        try:
            result = self.store.transaction(write)
        except Exception as exc:  # the caller gets it (a sweep stores that trial as an error)
            if not future.done():
                future.set_exception(exc)
            return
        self.transactions += 1
        if not future.done():
            future.set_result(result)
