"""The store's SQL schema, its version, and the steps that migrate an older store (`labkit.lab.Store`).

Tables: ``experiments``, ``trials`` (row JSON, inputs, compressed events), ``token_counts``; and
``trial_rows``, the rows as plain columns (`labkit.lab._row_table`, kept in step by every write).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from labkit.lab._row_table import fill_row_table

__all__ = ["LABKIT_TABLES", "MIGRATIONS", "SCHEMA_SQL", "SCHEMA_VERSION"]

SCHEMA_VERSION = 3
LABKIT_TABLES = frozenset({"experiments", "trials"})
"""Tables every labkit store has (from schema version 1): a file with other tables and not these is foreign."""

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS experiments (
    name TEXT PRIMARY KEY, created_at TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS trials (
    experiment TEXT NOT NULL, trial_key TEXT NOT NULL, status TEXT NOT NULL, model TEXT,
    task_id TEXT, repeat INTEGER, batch INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL, row TEXT NOT NULL, params TEXT, knobs TEXT, completion TEXT, events BLOB,
    PRIMARY KEY (experiment, trial_key));
CREATE INDEX IF NOT EXISTS trials_key ON trials (trial_key);
CREATE TABLE IF NOT EXISTS token_counts (
    request TEXT PRIMARY KEY, tokens INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS trials_status ON trials (experiment, status);
CREATE TABLE IF NOT EXISTS row_versions (experiment TEXT PRIMARY KEY, version INTEGER NOT NULL);
"""


def _backend_identity(conn: sqlite3.Connection) -> None:
    """1 -> 2 (backend identity): every row gains ``endpoint`` (unknown) and ``capabilities`` ("catalog")."""
    conn.execute("""UPDATE trials SET row = json_set(row, '$.endpoint', json('null'), '$.capabilities', 'catalog')
                    WHERE json_type(row, '$.capabilities') IS NULL""")


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _backend_identity, 2: fill_row_table}
"""Schema version -> the step that brings a store at that version to the next one."""
