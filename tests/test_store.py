"""The SQLite results store: WAL, schema guard, bad paths, compressed events, crash safety, no secrets."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import zlib
from pathlib import Path
from typing import Any

import pytest

from labkit.core._errors import SchemaVersionError, StoreError
from labkit.core._wire import ChatCompletion, ChatMessage, Choice
from labkit.lab._store import SCHEMA_VERSION, Store
from labkit.lab._trial import Knobs, Trial
from labkit.tokens._cost import CostSplit, TokenRecord

FAKE_KEY = "fake-test-key-DO-NOT-USE-0000"


def _trial(key: str, *, status: str = "ok", repeat: int = 0) -> Trial:
    return Trial(
        trial_key=key,
        backend="emulator",
        model="claude-sonnet-4-6",
        knobs=Knobs(thinking_mode="budget", budget_tokens=1024),
        task_id="t1",
        category="arithmetic",
        repeat=repeat,
        status=status,  # type: ignore[arg-type]
        tokens=TokenRecord(input=10, output=20, thinking=15, visible=5),
        cost=CostSplit(input_usd=0.01, output_usd=0.02),
        answer="42",
        created_at="2026-11-23T20:00:00+00:00",
    )


def _events(n: int = 50) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"type": "message_start", "t": 0.0, "message": {"id": "msg_synth_1"}}]
    events += [
        {"type": "content_block_delta", "t": 0.01 * i, "index": 0, "delta": {"type": "text_delta", "text": "ab"}}
        for i in range(n)
    ]
    return [*events, {"type": "message_stop", "t": 1.0}]


def test_creates_parent_dirs_and_uses_wal_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "labkit.sqlite"
    Store(path).put_trial("exp", _trial("k1"))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_newer_schema_is_refused_before_anything_changes(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaVersionError, match="newer"):
        Store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
    conn.close()


def test_a_file_that_is_not_sqlite_is_a_store_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("this is not a database, just some text that is long enough " * 20)
    with pytest.raises(StoreError, match=r"notes\.sqlite"):
        Store(path)


def test_a_directory_or_uncreatable_parent_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=str(tmp_path.name)):
        Store(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="file"):
        Store(blocker / "sub" / "labkit.sqlite")


def test_put_get_rows_and_compressed_events_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    events = _events(200)
    message = ChatMessage(role="assistant", content="42")
    completion = ChatCompletion(id="msg_synth_1", model="claude-sonnet-4-6", choices=[Choice(message=message)])
    params = {"model": "claude-sonnet-4-6", "max_tokens": 2048, "messages": [{"role": "user", "content": "6*7?"}]}
    knobs = {"strategy": "none"}
    store.put_trial("exp", _trial("k1"), params=params, knobs=knobs, events=events, completion=completion)
    got = store.get_trial("k1")
    assert got is not None
    assert got.events == events and got.params == params and got.knobs == {"strategy": "none"}
    assert got.completion is not None and got.completion["choices"][0]["message"]["content"] == "42"
    assert got.row == {**_trial("k1").row(), "experiment": "exp"}
    assert got.trial().completion == completion
    assert store.events("k1") == events and store.events("missing") == []
    assert store.rows("exp") == [got.row] and store.rows() == [got.row] and store.rows("other") == []
    blob = sqlite3.connect(tmp_path / "s.sqlite").execute("SELECT events FROM trials").fetchone()[0]
    assert len(blob) < len(str(events)) / 5 and zlib.decompress(blob)


def test_finished_keys_has_and_attempts(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.put_trial("exp", _trial("ok1"))
    store.put_trial("exp", _trial("err1", status="error"))
    store.put_trial("exp", _trial("skip1", status="skipped"))
    assert store.finished_keys("exp") == {"ok1", "skip1"}
    assert store.finished_keys("exp", include_errors=True) == {"ok1", "err1", "skip1"}
    assert store.has("ok1") and not store.has("err1") and store.has("ok1", "exp") and not store.has("ok1", "x")
    store.put_trial("exp", _trial("err1"))  # retried and now ok: replaced, attempt counted
    got = store.get_trial("err1")
    assert got is not None and got.attempts == 2 and got.row["status"] == "ok"
    assert len(store.rows("exp")) == 3
    assert [e["name"] for e in store.experiments()] == ["exp"] and store.experiments()[0]["trials"] == 3


def test_replace_rows_and_stored_inputs(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    for i in range(3):
        store.put_trial("exp", _trial(f"k{i}", repeat=i), events=_events(2))
    rows = [{**s.row, "answer": "43"} for s in store.stored("exp")]
    assert store.replace_rows("exp", rows) == 3
    assert {r["answer"] for r in store.rows("exp")} == {"43"}
    assert [s.trial_key for s in store.stored("exp")] == ["k0", "k1", "k2"]


def test_experiment_meta(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.add_experiment("sweep", {"repeats": 3})
    store.add_experiment("sweep")
    assert store.experiments() == [
        {"name": "sweep", "created_at": store.experiments()[0]["created_at"], "meta": {"repeats": 3}, "trials": 0}
    ]
    with pytest.raises(StoreError, match="non-empty"):
        store.add_experiment("")


def test_secrets_are_scrubbed_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    path = tmp_path / "s.sqlite"
    store = Store(path)
    params = {
        "model": "m",
        "api_key": FAKE_KEY,
        "extra_headers": {"X-API-Key": FAKE_KEY, "authorization": f"Bearer {FAKE_KEY}", "anthropic-beta": "b"},
        "messages": [{"role": "user", "content": f"my key is {FAKE_KEY}"}],
    }
    events = [{"type": "error", "error": {"message": f"bad key {FAKE_KEY}"}, "headers": {"x-api-key": FAKE_KEY}}]
    trial = Trial(trial_key="k", backend="b", model="m", status="error", error_message=f"401 for {FAKE_KEY}")
    store.put_trial("exp", trial, params=params, knobs={"apiKey": FAKE_KEY}, events=events)
    store.add_experiment("exp", {"Api-Key": FAKE_KEY, "note": FAKE_KEY})
    store.close()
    for name in os.listdir(tmp_path):
        assert FAKE_KEY.encode() not in (tmp_path / name).read_bytes()
    got = Store(path).get_trial("k")
    assert got is not None and got.params is not None
    assert "api_key" not in got.params and got.params["extra_headers"] == {"anthropic-beta": "b"}
    assert got.knobs == {}
    assert "x-api-key" not in got.events[0]
    assert FAKE_KEY not in str(zlib.compress(str(got.events).encode()))
    assert got.row["error_message"] == "401 for [redacted]"


def test_threads_each_get_a_connection(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")

    def write(start: int) -> None:
        for i in range(start, start + 20):
            store.put_trial("exp", _trial(f"k{i}"))

    threads = [threading.Thread(target=write, args=(n * 100,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.finished_keys("exp")) == 80


_WRITER = """
import sys
from labkit.lab._store import Store
from labkit.lab._trial import Trial
store = Store(sys.argv[1])
i = 0
while True:
    store.put_trial("crash", Trial(trial_key=f"k{i}", backend="emulator", model="m", answer=str(i)),
                    events=[{"type": "message_stop", "t": float(i)}])
    print(i, flush=True)
    i += 1
"""


def test_every_committed_trial_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    reported = []
    for line in proc.stdout:
        reported.append(int(line))
        if len(reported) >= 60:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    store = Store(path)
    keys = store.finished_keys("crash")
    assert {f"k{i}" for i in reported} <= keys  # every put_trial that returned is on disk
    for i in reported:
        got = store.get_trial(f"k{i}")
        assert got is not None and got.row["answer"] == str(i) and got.events == [{"type": "message_stop", "t": i}]
    assert keys == {f"k{i}" for i in range(len(keys))}  # nothing half-written, no gaps


def test_token_counts_are_cached_by_request_and_survive_reopening(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    assert store.token_counts(["a", "b"]) == {}
    store.put_token_counts({"a": 12, "b": 30})
    store.put_token_counts({})
    assert store.token_counts(["a", "a", "c"]) == {"a": 12}
    many = {f"k{i}": i for i in range(1200)}  # more than one IN (...) chunk
    store.put_token_counts(many)
    reopened = Store(tmp_path / "s.sqlite")
    assert reopened.token_counts(many) == many and reopened.token_counts(["b"]) == {"b": 30}


def test_lab_and_notebooks_default_to_the_same_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit.lab import Lab, default_store_path
    from labkit.notebook import demo

    monkeypatch.delenv("LABKIT_DEMO_DIR", raising=False)
    (tmp_path / "notebooks").mkdir()
    for folder in (tmp_path, tmp_path / "notebooks"):
        monkeypatch.chdir(folder)
        assert default_store_path() == tmp_path / "data" / "runs" / "labkit.sqlite"
        assert demo.store_path() == default_store_path()
        assert Lab(backend="emulator").store.path == default_store_path()


def test_a_schema_1_store_opens_migrates_and_keeps_every_row(tmp_path: Path) -> None:
    """tests/fixtures/store_schema1.sqlite was written by labkit before issue 12 (schema 1, 7 rows in
    two experiments; the second experiment's row was served from the first's: the old key's bug)."""

    path = tmp_path / "old.sqlite"
    path.write_bytes((Path(__file__).parent / "fixtures" / "store_schema1.sqlite").read_bytes())
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        found = conn.execute("SELECT experiment, trial_key, row, events FROM trials")
        before = {(e, k): (r, ev) for e, k, r, ev in found}
    assert len(before) == 7
    store = Store(path)
    assert store._conn().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    rows = store.rows()  # read from trial_rows, filled by the 2 -> 3 step
    assert len(rows) == 7 and {(r["experiment"], r["trial_key"]) for r in rows} == set(before)
    for row in rows:
        old = json.loads(before[row["experiment"], row["trial_key"]][0])
        assert {k: row[k] for k in old} == old  # every old value, as it was
        assert row["endpoint"] is None and row["capabilities"] == "catalog"
        assert all(row[k] is None for k in row if k not in old and k not in ("endpoint", "capabilities"))
    for item in store.stored():
        assert json.loads(zlib.decompress(before[item.experiment, item.trial_key][1])) == item.events
        assert item.trial().trial_key == item.trial_key  # every old row still builds a Trial
    store.close()
    assert Store(path).rows() == rows  # opening a migrated store changes nothing


def test_a_new_store_starts_at_the_current_schema_with_no_migration(tmp_path: Path) -> None:
    store = Store(tmp_path / "new.sqlite")
    store.put_trial("e", _trial("k1"))
    assert store._conn().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.rows()[0]["capabilities"] is None  # set by the Lab, not invented by the store


def test_another_program_s_database_is_refused_without_a_byte_written(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"another program's SQLite database \(tables: notes\)"):
        Store(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]  # no -wal, no -shm left behind
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["notes"]
    conn.close()


def test_an_existing_labkit_store_and_an_empty_file_open(tmp_path: Path) -> None:
    Store(tmp_path / "a.sqlite").close()
    assert Store(tmp_path / "a.sqlite").path.exists()
    (tmp_path / "empty.sqlite").write_bytes(b"")
    assert Store(tmp_path / "empty.sqlite").path.exists()
