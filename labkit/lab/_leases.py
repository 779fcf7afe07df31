"""One payer per trial: leases that let sweeps in several processes share one store.

Before a trial is requested, its runner claims it (`Leases.claim`) in one write transaction that
also looks at what is stored, so two processes can never both decide to pay for it:

- ``"done"``: the trial is stored, ok, or stored since this sweep began (another process just
  finished it): nothing is requested, the stored trial is used;
- ``"taken"``: another live process holds an unexpired lease: ask again later (a sweep runs other
  trials meanwhile);
- ``"mine"``: no lease, an expired one (its process died), or our own: run it.

A lease lasts `LEASE_S` seconds and its owner renews every lease it holds while it runs
(`Leases.renew`), so only a dead process's lease expires; its trials are then resumed by whoever
claims them next. A process on this machine that is gone (killed, crashed) is seen at once from its
pid, so a rerun after ``kill -9`` does not wait for the expiry. A lease is released in the
commit that stores its trial. The table lives in the store's file (``leases``); an older store simply gains it.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from typing import Literal, TypeVar

from labkit.lab._store import Store

__all__ = ["LEASE_S", "Claim", "Leases", "new_owner"]

LEASE_S = 120.0
"""How long a claim holds without renewal: longer than any pause a live runner takes between renewals."""
Claim = Literal["mine", "taken", "done"]
T = TypeVar("T")
_TABLE = """CREATE TABLE IF NOT EXISTS leases (
    experiment TEXT NOT NULL, trial_key TEXT NOT NULL, owner TEXT NOT NULL, expires_at REAL NOT NULL,
    PRIMARY KEY (experiment, trial_key))"""


def new_owner() -> str:
    """A name for one runner: host, process and a random part (two runners in one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leases:
    """The lease table of ``store``, used by one runner (``owner``) that began at ``since`` (ISO time)."""

    def __init__(self, store: Store, owner: str, *, since: str, lease_s: float = LEASE_S) -> None:
        self.store, self.owner, self.since, self.lease_s = store, owner, since, lease_s
        self._run(lambda conn: conn.execute(_TABLE))

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return self.store.transaction(work, what="leases")  # the write lock first: claims in other processes wait

    def claim(self, experiment: str, key: str) -> Claim:
        """Claim ``key`` for this runner, or say why not (see the module doc)."""
        return self._run(lambda conn: self.claim_in(conn, experiment, key))

    def claim_in(self, conn: sqlite3.Connection, experiment: str, key: str) -> Claim:
        """`claim` inside a write transaction the caller holds on ``conn`` (`labkit.lab._group_commit`)."""
        status, created, holder, expires = conn.execute(  # one lookup of both the stored trial and its claim
            """SELECT t.status, t.created_at, l.owner, l.expires_at FROM (SELECT 1)
               LEFT JOIN trials t ON t.experiment = ? AND t.trial_key = ?
               LEFT JOIN leases l ON l.experiment = ? AND l.trial_key = ?""",
            (experiment, key, experiment, key),
        ).fetchone()
        if status is not None and (status == "ok" or created >= self.since):
            return "done"
        now = time.time()
        if holder is not None and holder != self.owner and expires > now and not _gone(holder):
            return "taken"
        conn.execute(
            "INSERT OR REPLACE INTO leases (experiment, trial_key, owner, expires_at) VALUES (?, ?, ?, ?)",
            (experiment, key, self.owner, now + self.lease_s),
        )
        return "mine"

    def release(self, experiment: str, key: str) -> None:
        self._run(lambda conn: conn.execute(
            "DELETE FROM leases WHERE experiment = ? AND trial_key = ? AND owner = ?", (experiment, key, self.owner)
        ))  # fmt: skip

    def renew(self) -> None:
        """Push back the expiry of every lease this runner holds."""
        self._run(lambda conn: conn.execute(
            "UPDATE leases SET expires_at = ? WHERE owner = ?", (time.time() + self.lease_s, self.owner)
        ))  # fmt: skip

    def release_all(self) -> None:
        """Give up every lease (a cancelled or finished sweep leaves none behind)."""
        self._run(lambda conn: conn.execute("DELETE FROM leases WHERE owner = ?", (self.owner,)))


def _gone(owner: str) -> bool:
    """Whether ``owner`` (see `new_owner`) was a process on this machine that no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine (or a foreign name): only the expiry can tell
    try:
        os.kill(int(pid), 0)  # signal 0: no signal sent, only the existence check
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False
