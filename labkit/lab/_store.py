"""The SQLite results store: owns `Store`, the schema, and what is (never) written to disk.

One file (default ``data/runs/labkit.sqlite``), WAL mode, ``PRAGMA user_version`` = `SCHEMA_VERSION`.
Tables:

- ``experiments(name PK, created_at, meta JSON)``
- ``token_counts(request PK, tokens, created_at)``: ``count_tokens`` answers by request hash
  (`Store.token_counts` / `Store.put_token_counts`), so ``lab.tokens`` asks once per request.
- ``trials(experiment, trial_key, status, model, task_id, repeat, batch, attempts, created_at,
  row JSON, params JSON, knobs JSON, completion JSON, events BLOB)`` with primary key
  ``(experiment, trial_key)``; ``events`` is zlib-compressed JSON of the raw stream events.

Guarantees:

- Each `Store.put_trial` commits before it returns, so a process killed at any moment (even
  ``kill -9``) loses no finished trial. Re-putting a key replaces it and counts an attempt.
- Connections are per thread (sqlite3 objects are not shared), with a busy timeout so several
  writers (threads or processes) can share one file.
- Secrets never reach the file: every dict key matching `labkit.lab.SECRET_KEY` is dropped
  recursively from params, knobs, completion, events and rows, and the values of the
  ``ANTHROPIC_API_KEY`` / ``ANTHROPIC_AUTH_TOKEN`` environment variables are redacted from all
  stored text.
- A store written by a newer schema raises `SchemaVersionError` before anything is changed; a path
  that cannot be created or is not a SQLite database raises `StoreError` naming the path; so does
  another program's database, found by a read-only look before anything is written to it.
- An older store is migrated on open, one `MIGRATIONS` step per version, all in one transaction,
  keeping every row: version 1 -> 2 adds the rows' ``endpoint`` (None: recorded before backend
  identity was) and ``capabilities`` ("catalog", the only source then). Old trial keys hashed the
  backend's kind only, so no new sweep is ever served an old row it cannot tell the server of.
  Version 2 -> 3 fills ``trial_rows``, the rows as plain SQL columns (`labkit.lab._row_table`), which
  every write keeps in step and every frame reads: no events blob, no JSON parse per row.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, Unpack

from labkit.core import SchemaVersionError, StoreError
from labkit.lab._row_table import (
    ensure_row_table,
    read_row_chunks,
    read_row_tuples,
    read_rows,
    rows_signature,
    upsert_sql,
    upsert_values,
)
from labkit.lab._store_schema import LABKIT_TABLES, MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION
from labkit.lab._store_text import TrialInputs, clean_row, decompressed, json_text, trial_writes
from labkit.lab._trial import Trial

T = TypeVar("T")
DEFAULT_PATH = Path("data/runs/labkit.sqlite")
"""Relative to the project folder: see `default_store_path`."""


def default_store_path() -> Path:
    """Where ``Lab()`` (and the notebooks, and ``labkit results``) keep results: `DEFAULT_PATH` under the
    project folder, which is the working directory, or its parent when that is ``notebooks/`` (so a
    notebook and a script started in the project folder share one store)."""
    cwd = Path.cwd()
    return (cwd.parent if cwd.name == "notebooks" else cwd) / DEFAULT_PATH


@dataclass(frozen=True, slots=True)
class StoredTrial:
    """Everything stored for one trial: the inputs `lab.rederive` needs, and the row."""

    experiment: str
    trial_key: str
    row: dict[str, Any]
    params: dict[str, Any] | None
    knobs: dict[str, Any] | None
    completion: dict[str, Any] | None
    events: list[dict[str, Any]]
    attempts: int
    batch: bool

    def trial(self) -> Trial:
        """The stored row as a `Trial` (with its completion when one was stored)."""
        from labkit.core import ChatCompletion

        completion = ChatCompletion.model_validate(self.completion) if self.completion else None
        return Trial.from_row(self.row, completion=completion)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Store:
    """The results store at ``path`` (parent directories are created)."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_PATH) -> None:
        self.path = Path(path)
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory for {str(self.path)!r}: {exc}") from exc
        if self.path.is_dir():
            raise StoreError(f"store path {str(self.path)!r} is a directory, not a SQLite file")
        self._refuse_foreign_file()
        self._init_schema(self._conn())

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30.0)
                conn.execute("PRAGMA busy_timeout = 30000")
                # per connection, and every thread has its own: in WAL mode NORMAL syncs at checkpoints,
                # not at each commit; a commit still survives the process being killed (kill -9), only
                # an OS crash or power loss can take back the last ones
                conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open the store {str(self.path)!r}: {exc}") from exc
            self._local.conn = conn
        return conn

    def _refuse_foreign_file(self) -> None:
        """Look at an existing file read-only first: another program's database (or no database at all)
        raises `StoreError` before labkit writes a byte to it (no WAL switch, no tables)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        try:
            probe = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
            try:
                tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            finally:
                probe.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use {str(self.path)!r} as a labkit store: {exc}") from exc
        if tables and not tables >= LABKIT_TABLES:
            found = ", ".join(sorted(tables)[:5]) + (" ..." if len(tables) > 5 else "")
            raise StoreError(
                f"{str(self.path)!r} is another program's SQLite database (tables: {found}); labkit left it "
                "untouched: pass a new or labkit store path"
            )

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"the store {str(self.path)!r} has schema version {version}, newer than this labkit's "
                    f"{SCHEMA_VERSION}; upgrade labkit or use another store path"
                )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            with conn:
                conn.executescript(SCHEMA_SQL)
                for step in range(version or SCHEMA_VERSION, SCHEMA_VERSION):  # a new file needs no step
                    MIGRATIONS[step](conn)
                ensure_row_table(conn)  # created, or given the columns a newer labkit added
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot use {str(self.path)!r} as a labkit store: {exc}") from exc

    def close(self) -> None:
        """Close this thread's connection (other threads' connections close with their threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writing ---------------------------------------------------------------------------------

    def _execute(self, sql: str, args: Iterable[Any] = (), *more: tuple[str, Iterable[Any]]) -> list[tuple[Any, ...]]:
        """Run ``sql`` (and any ``more`` statements after it) in one transaction; the first one's rows."""
        conn = self._conn()
        try:
            with conn:
                rows = conn.execute(sql, tuple(args)).fetchall()
                for extra_sql, extra_args in more:
                    conn.execute(extra_sql, tuple(extra_args))
                return rows
        except sqlite3.Error as exc:
            raise StoreError(f"store {str(self.path)!r}: {exc}") from exc

    def add_experiment(self, name: str, meta: Mapping[str, Any] | None = None) -> None:
        """Record an experiment (kept if it exists; ``meta`` replaces the old meta when given)."""
        if not name:
            raise StoreError("an experiment needs a non-empty name")
        self._execute("INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)", (name, _now()))
        if meta is not None:
            self._execute("UPDATE experiments SET meta = ? WHERE name = ?", (json_text(dict(meta)), name))

    def put_trial(self, experiment: str, trial: Trial, **inputs: Unpack[TrialInputs]) -> None:
        """Store one finished trial under ``experiment`` and commit. A repeated key replaces the row.
        ``inputs`` (`TrialInputs`, each optional): ``params``, ``knobs``, ``events``, ``completion``,
        and ``lease_owner``, whose claim on the trial (`labkit.lab._leases`) ends in the same commit."""
        writes = trial_writes(experiment, trial, now=_now, **inputs)
        self._execute(*writes[0], *writes[1:])

    def transaction(self, work: Callable[[sqlite3.Connection], T], *, what: str = "") -> T:
        """``work(connection)`` in one write transaction, taken at once (``BEGIN IMMEDIATE``: other writers
        wait for it), committed, or rolled back if ``work`` raises. SQLite errors become `StoreError`,
        naming the store and ``what`` was being written when given."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result
        except sqlite3.Error as exc:
            raise StoreError(f"store {str(self.path)!r}: {what + ': ' if what else ''}{exc}") from exc

    def replace_rows(self, experiment: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Replace stored rows (matched by ``trial_key``) in one transaction; returns how many matched."""
        conn = self._conn()
        count = 0
        try:
            with conn:
                for row in rows:
                    text, new = clean_row({**row, "experiment": experiment})
                    cur = conn.execute(
                        "UPDATE trials SET row = ?, status = ? WHERE experiment = ? AND trial_key = ?",
                        (text, new.get("status") or "ok", experiment, new["trial_key"]),
                    )
                    if cur.rowcount:
                        conn.execute(upsert_sql, upsert_values(new))
                    count += cur.rowcount
        except sqlite3.Error as exc:
            raise StoreError(f"store {str(self.path)!r}: {exc}") from exc
        return count

    # -- reading ---------------------------------------------------------------------------------

    def experiments(self) -> list[dict[str, Any]]:
        """Every experiment: name, created_at, meta, and its trial count; oldest first."""
        rows = self._execute(
            """SELECT e.name, e.created_at, e.meta, COUNT(t.trial_key) FROM experiments e
               LEFT JOIN trials t ON t.experiment = e.name GROUP BY e.name ORDER BY e.created_at, e.name"""
        )
        return [{"name": n, "created_at": c, "meta": json.loads(m), "trials": k} for n, c, m, k in rows]

    def rows(self, experiment: str | None = None) -> list[dict[str, Any]]:
        """Trial rows (one dict per trial, the documented columns), in the order they were stored."""
        return self._read(read_rows, experiment)

    def row_tuples(self, experiment: str | None = None) -> list[tuple[Any, ...]]:
        """The same rows as tuples in `ROW_COLUMNS` order: what a frame is built from, with no dict per row."""
        return self._read(read_row_tuples, experiment)

    def row_chunks(self, experiment: str | None = None, size: int = 5000) -> Iterator[list[tuple[Any, ...]]]:
        """`row_tuples` in chunks of ``size``, read lazily (build frames without all rows in memory)."""
        try:
            yield from read_row_chunks(self._conn(), experiment, size)
        except sqlite3.Error as exc:
            raise StoreError(f"store {str(self.path)!r}: {exc}") from exc

    def rows_signature(self, experiment: str | None = None) -> tuple[int, int, int]:
        """(rows, last rowid, replacements) of ``experiment``'s rows: any write changes it."""
        return self._read(rows_signature, experiment)

    def _read(self, reader: Callable[[sqlite3.Connection, str | None], T], experiment: str | None) -> T:
        try:
            return reader(self._conn(), experiment)
        except sqlite3.Error as exc:
            raise StoreError(f"store {str(self.path)!r}: {exc}") from exc

    def finished_keys(self, experiment: str, include_errors: bool = False) -> set[str]:
        """Keys that need no new request: ok and skipped trials (and errors when ``include_errors``)."""
        statuses = ("ok", "skipped", "error") if include_errors else ("ok", "skipped")
        marks = ",".join("?" * len(statuses))
        rows = self._execute(
            f"SELECT trial_key FROM trials WHERE experiment = ? AND status IN ({marks})", (experiment, *statuses)
        )
        return {k for (k,) in rows}

    def latest_ok(self, keys: Iterable[str]) -> set[str]:
        """Of ``keys``, those whose latest stored trial (in any experiment) is ok: what `get_trial`
        would find ok, asked for many keys in a few queries instead of one each."""
        wanted = list(dict.fromkeys(keys))
        latest: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            marks = ",".join("?" * len(part))
            for key, status in self._execute(
                f"SELECT trial_key, status FROM trials WHERE trial_key IN ({marks}) ORDER BY rowid", part
            ):
                latest[key] = status  # rowid order: the last one seen is the latest
        return {key for key, status in latest.items() if status == "ok"}

    def has(self, key: str, experiment: str | None = None) -> bool:
        """Whether a trial with ``key`` finished ``ok`` (in ``experiment``, or in any experiment)."""
        sql = "SELECT 1 FROM trials WHERE trial_key = ? AND status = 'ok'"
        args: tuple[Any, ...] = (key,)
        if experiment is not None:
            sql, args = sql + " AND experiment = ?", (key, experiment)
        return bool(self._execute(sql + " LIMIT 1", args))

    def get_trial(self, key: str, experiment: str | None = None) -> StoredTrial | None:
        """The stored trial with ``key`` (latest stored when several experiments hold it), or None."""
        got = list(self._stored("trial_key = ?", (key,), experiment, latest=True))
        return got[0] if got else None

    def token_counts(self, requests: Iterable[str]) -> dict[str, int]:
        """Cached ``count_tokens`` answers for the given request hashes (those known)."""
        wanted = list(dict.fromkeys(requests))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            marks = ",".join("?" * len(part))
            rows = self._execute(f"SELECT request, tokens FROM token_counts WHERE request IN ({marks})", part)
            found.update({r: int(t) for r, t in rows})
        return found

    def put_token_counts(self, counts: Mapping[str, int]) -> None:
        """Remember ``count_tokens`` answers by request hash (one transaction)."""
        conn, now = self._conn(), _now()
        try:
            with conn:
                conn.executemany("INSERT OR REPLACE INTO token_counts (request, tokens, created_at) VALUES (?, ?, ?)",
                                 [(r, int(t), now) for r, t in counts.items()])
        except sqlite3.Error as exc:
            raise StoreError(f"store {str(self.path)!r}: {exc}") from exc

    def stored(self, experiment: str | None = None) -> Iterator[StoredTrial]:
        """Every stored trial of ``experiment`` (or all) with its inputs, in storage order (for rederive)."""
        return self._stored("1 = 1", (), experiment, latest=False)

    def events(self, key: str, experiment: str | None = None) -> list[dict[str, Any]]:
        """The raw stream events stored for ``key`` (empty when the trial is unknown)."""
        stored = self.get_trial(key, experiment)
        return stored.events if stored else []

    def _stored(
        self, where: str, args: tuple[Any, ...], experiment: str | None, *, latest: bool
    ) -> Iterator[StoredTrial]:
        columns = "experiment, trial_key, row, params, knobs, completion, events, attempts, batch"
        sql = f"SELECT {columns} FROM trials WHERE {where}"
        if experiment is not None:
            sql, args = sql + " AND experiment = ?", (*args, experiment)
        sql += " ORDER BY rowid DESC LIMIT 1" if latest else " ORDER BY rowid"
        for exp, key, row, params, knobs, completion, blob, attempts, batch in self._execute(sql, args):
            yield StoredTrial(
                experiment=exp, trial_key=key, row=json.loads(row),
                params=json.loads(params) if params else None, knobs=json.loads(knobs) if knobs else None,
                completion=json.loads(completion) if completion else None,
                events=json.loads(decompressed(blob)) if blob else [], attempts=int(attempts), batch=bool(batch),
            )  # fmt: skip
