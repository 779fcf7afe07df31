"""GroupCommit: the claims and trials of one event-loop turn share one transaction; a caller returns
only once its write is committed; one bad write fails only its caller; a cancelled caller's trial is
still written."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from pathlib import Path

import pytest

from labkit.lab._group_commit import GroupCommit
from labkit.lab._leases import Leases
from labkit.lab._store import Store
from labkit.lab._trial import Trial


def _trial(key: str, **fields: object) -> Trial:
    return Trial(trial_key=key, backend="emulator", model="claude-haiku-4-5", answer=key, **fields)  # type: ignore[arg-type]


@pytest.fixture
def commits(tmp_path: Path) -> GroupCommit:
    """A group commit over a new store."""
    return GroupCommit(Store(tmp_path / "s.sqlite"))


def _on_disk(commits: GroupCommit) -> dict[str, str]:
    """Keys and answers another connection sees in the store of ``commits``: only what was committed."""
    with sqlite3.connect(commits.store.path) as conn:
        return {k: a for k, a in conn.execute("SELECT trial_key, answer FROM trial_rows WHERE experiment = 'g'")}


def test_one_turns_claims_and_trials_share_one_commit_and_callers_return_after_it(commits: GroupCommit) -> None:
    store = commits.store
    leases = Leases(store, "me:1:a", since="2000")
    seen: list[dict[str, str]] = []

    async def put(key: str) -> None:
        await commits.put("g", _trial(key), events=[{"type": "message_stop", "t": 0.0}], lease_owner=leases.owner)
        seen.append(_on_disk(commits))

    async def main() -> list[str]:
        claims = await asyncio.gather(*(commits.claim(leases, "g", f"k{i}") for i in range(5)))
        assert commits.transactions == 1 and _on_disk(commits) == {}
        await asyncio.gather(*(put(f"k{i}") for i in range(5)))
        return list(claims)

    assert asyncio.run(main()) == ["mine"] * 5
    assert commits.transactions == 2  # five claims in one, five trials in the next
    assert all(len(s) == 5 for s in seen)  # every caller returned with all five on disk
    assert _on_disk(commits) == {f"k{i}": f"k{i}" for i in range(5)}
    assert store.get_trial("k3", "g") is not None
    assert store.get_trial("k3", "g").events == [{"type": "message_stop", "t": 0.0}]  # type: ignore[union-attr]
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM leases").fetchone() == (0,)  # each claim ended with its trial


def test_a_bad_write_fails_only_its_caller(commits: GroupCommit) -> None:

    async def main() -> list[object]:
        return await asyncio.gather(
            commits.put("g", _trial("good1")),
            commits.put("g", _trial("bad", repeat=2**70)),  # SQLite cannot hold the integer
            commits.put("g", _trial("good2")),
            return_exceptions=True,
        )

    results = asyncio.run(main())
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], OverflowError)
    assert _on_disk(commits) == {"good1": "good1", "good2": "good2"}
    assert commits.transactions == 2  # the group rolled back; each good write alone


def test_a_cancelled_callers_trial_is_still_written(commits: GroupCommit) -> None:

    async def main() -> None:
        waiting = asyncio.ensure_future(commits.put("g", _trial("k")))
        await asyncio.sleep(0)  # the put is queued, its commit scheduled
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await asyncio.sleep(0)  # the turn with the commit

    asyncio.run(main())
    assert _on_disk(commits) == {"k": "k"}


def test_flush_writes_what_is_queued_at_once(commits: GroupCommit) -> None:

    async def main() -> None:
        waiting = asyncio.ensure_future(commits.put("g", _trial("k")))
        await asyncio.sleep(0)
        commits.flush()  # what the runner does when it stops
        assert _on_disk(commits) == {"k": "k"} and commits.transactions == 1
        await waiting
        commits.flush()  # nothing left: no empty transaction
        assert commits.transactions == 1

    asyncio.run(main())


def test_claims_in_a_group_are_what_they_say(commits: GroupCommit) -> None:
    store = commits.store
    mine = Leases(store, "me:1:a", since="2000")
    other = Leases(store, f"{socket.gethostname()}:{os.getpid()}:b", since="2000")  # alive: this process
    store.put_trial("g", _trial("stored"))

    async def main() -> list[str]:
        first = await commits.claim(other, "g", "held")
        assert first == "mine"
        return list(await asyncio.gather(
            commits.claim(mine, "g", "held"), commits.claim(mine, "g", "free"), commits.claim(mine, "g", "stored")
        ))  # fmt: skip

    assert asyncio.run(main()) == ["taken", "mine", "done"]


def test_finished_trials_are_derived_together_in_the_next_turn_and_a_failed_derivation_fails_only_its_caller(
    commits: GroupCommit,
) -> None:
    order: list[str] = []

    def derive(key: str) -> tuple[Trial, dict[str, object]]:
        order.append(f"derive {key}")
        if key == "broken":
            raise ValueError("no row for this one")
        return _trial(key), {"events": [{"type": "message_stop", "t": 0.0}]}

    async def finish(key: str) -> Trial:
        trial = await commits.put_finished("g", lambda: derive(key))
        order.append(f"returned {key}")
        return trial

    async def main() -> list[object]:
        return await asyncio.gather(*(finish(k) for k in ("a", "broken", "b")), return_exceptions=True)

    results = asyncio.run(main())
    assert [r.trial_key for r in results if isinstance(r, Trial)] == ["a", "b"]
    assert isinstance(results[1], ValueError) and str(results[1]) == "no row for this one"
    # every derivation ran before any caller went on, and only after all three had queued theirs
    assert order[:3] == ["derive a", "derive broken", "derive b"]
    assert sorted(order[3:]) == ["returned a", "returned b"]
    assert _on_disk(commits) == {"a": "a", "b": "b"} and commits.transactions == 1
