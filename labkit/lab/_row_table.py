"""The store's columnar copy of the trial rows: one SQL column per row column (`ROW_COLUMNS`).

``lab.results()`` on 50k trials used to scan the ``trials`` table (each row beside its compressed
events) and parse a JSON document per trial. The ``trial_rows`` table keeps the same rows as plain
SQL columns, written in the same transaction as the trial, so a frame is one ``SELECT`` of exactly
its columns into tuples: no event blob is touched and no JSON is parsed. The JSON ``row`` in
``trials`` stays the source of truth (`labkit.lab.Store.stored`, ``rederive``); this table is rebuilt
from it when a store is migrated (schema 2 -> 3) and gains any column a newer labkit adds (NULL for
rows stored before, as their JSON lacks it too). Booleans come back as ``True`` / ``False``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any

import pydantic_core

from labkit.lab._trial import ROW_BOOLEANS, ROW_COLUMNS

__all__ = [
    "ensure_row_table", "fill_row_table", "read_row_chunks", "read_row_tuples", "read_rows", "rows_signature",
    "upsert_sql", "upsert_values",
]  # fmt: skip

_COLUMNS = ", ".join(ROW_COLUMNS)
_BOOL_AT = [i for i, name in enumerate(ROW_COLUMNS) if name in ROW_BOOLEANS]
_UPDATES = ", ".join(f"{c} = excluded.{c}" for c in ROW_COLUMNS if c not in ("experiment", "trial_key"))
upsert_sql = (
    f"INSERT INTO trial_rows ({_COLUMNS}) VALUES ({', '.join('?' * len(ROW_COLUMNS))}) "
    f"ON CONFLICT (experiment, trial_key) DO UPDATE SET {_UPDATES}"
)
"""Insert or replace one row (the rowid of a replaced row is kept: rows stay in first-stored order)."""


def ensure_row_table(conn: sqlite3.Connection) -> None:
    """Create ``trial_rows`` if missing, and add any row column it lacks."""
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS trial_rows ({_COLUMNS}, PRIMARY KEY (experiment, trial_key))"
    )
    present = {r[1] for r in conn.execute("PRAGMA table_info(trial_rows)")}
    for name in ROW_COLUMNS:
        if name not in present:
            conn.execute(f"ALTER TABLE trial_rows ADD COLUMN {name}")
    # a replaced row (retry, rederive) bumps its experiment's version: cached frames know they are stale
    conn.execute("""CREATE TRIGGER IF NOT EXISTS trial_rows_replaced AFTER UPDATE ON trial_rows BEGIN
        INSERT INTO row_versions (experiment, version) VALUES (NEW.experiment, 1)
        ON CONFLICT (experiment) DO UPDATE SET version = version + 1; END""")


def rows_signature(conn: sqlite3.Connection, experiment: str | None) -> tuple[int, int, int]:
    """(rows, last rowid, replacements) of ``experiment``'s rows (None: all): changes with any write."""
    if experiment is None:
        count, last = conn.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM trial_rows").fetchone()
        (version,) = conn.execute("SELECT COALESCE(SUM(version), 0) FROM row_versions").fetchone()
    else:
        count, last = conn.execute(
            "SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM trial_rows WHERE experiment = ?", (experiment,)
        ).fetchone()
        found = conn.execute("SELECT version FROM row_versions WHERE experiment = ?", (experiment,)).fetchone()
        version = found[0] if found else 0
    return int(count), int(last), int(version)


def fill_row_table(conn: sqlite3.Connection) -> None:
    """(Re)build ``trial_rows`` from the JSON rows in ``trials``, in storage order (a migration step)."""
    ensure_row_table(conn)
    conn.execute("DELETE FROM trial_rows")
    batch: list[tuple[Any, ...]] = []
    for (text,) in conn.execute("SELECT row FROM trials ORDER BY rowid"):
        batch.append(upsert_values(pydantic_core.from_json(text)))
        if len(batch) >= 1000:
            conn.executemany(upsert_sql, batch)
            batch.clear()
    if batch:
        conn.executemany(upsert_sql, batch)


def upsert_values(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """``row``'s values in `ROW_COLUMNS` order (a missing column is NULL)."""
    return tuple(row.get(name) for name in ROW_COLUMNS)


def _select(conn: sqlite3.Connection, experiment: str | None) -> sqlite3.Cursor:
    """A cursor over ``experiment``'s rows (None: all), every `ROW_COLUMNS` column, in storage order."""
    sql = f"SELECT {_COLUMNS} FROM trial_rows"
    args: tuple[Any, ...] = ()
    if experiment is not None:
        sql, args = sql + " WHERE experiment = ?", (experiment,)
    return conn.execute(sql + " ORDER BY rowid", args)


def read_row_tuples(conn: sqlite3.Connection, experiment: str | None) -> list[tuple[Any, ...]]:
    """Every stored row as a tuple in `ROW_COLUMNS` order (booleans restored), in storage order."""
    found = _select(conn, experiment).fetchall()
    return [_with_bools(values) for values in found] if _BOOL_AT else found


def _with_bools(values: tuple[Any, ...]) -> tuple[Any, ...]:
    out = list(values)
    for i in _BOOL_AT:
        if out[i] is not None:
            out[i] = bool(out[i])
    return tuple(out)


def read_row_chunks(
    conn: sqlite3.Connection, experiment: str | None, size: int = 5000
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `read_row_tuples` in chunks of ``size`` (one cursor: a frame is built chunk by chunk)."""
    cursor = _select(conn, experiment)
    while chunk := cursor.fetchmany(size):
        yield [_with_bools(values) for values in chunk] if _BOOL_AT else chunk


def read_rows(conn: sqlite3.Connection, experiment: str | None) -> list[dict[str, Any]]:
    """Every stored row as a dict of `ROW_COLUMNS`, in storage order."""
    return [dict(zip(ROW_COLUMNS, values, strict=True)) for values in read_row_tuples(conn, experiment)]
