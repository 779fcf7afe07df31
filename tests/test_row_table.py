"""The store's columnar rows (`trial_rows`): written with every trial, read by every frame without
touching event blobs or parsing JSON, scrubbed like the JSON row, updated by rederive."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from labkit.emulator import Emulator
from labkit.lab import ROW_COLUMNS
from labkit.lab._client import emulator_backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.lab._trial import ROW_BOOLEANS
from labkit.tasks import load_tasks

TASKS = load_tasks(limit=12)


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    lab = Lab(backend=emulator_backend(Emulator()), store=tmp_path / "s.sqlite")
    lab.sweep(TASKS, [Config(model="claude-haiku-4-5", max_tokens=512)], repeats=2, name="e", progress=False)
    return lab


def test_the_columns_hold_exactly_the_json_rows(lab: Lab) -> None:
    json_rows = {s.trial_key: s.row for s in lab.store.stored("e")}
    rows = lab.store.rows("e")
    assert len(rows) == len(json_rows) == 24
    for row in rows:
        assert list(row) == list(ROW_COLUMNS)
        assert row == {c: json_rows[row["trial_key"]].get(c) for c in ROW_COLUMNS}
        assert all(row[c] is None or type(row[c]) is bool for c in ROW_BOOLEANS)


def test_results_never_read_the_event_blobs(lab: Lab) -> None:
    before = lab.results("e")
    with sqlite3.connect(lab.store.path) as conn:  # wreck every blob and JSON row: frames must not care
        conn.execute("UPDATE trials SET events = x'00', row = 'not json'")
    after = lab.results("e")
    assert after.equals(before) and len(after) == 24


def test_secrets_are_scrubbed_from_the_columns_too(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-ant-" + "x" * 24
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    row = lab.store.rows("e")[0]
    lab.store.replace_rows("e", [{**row, "error_message": f"bad key {secret}"}])
    with sqlite3.connect(lab.store.path) as conn:
        dump = "\n".join(str(r) for r in conn.execute("SELECT * FROM trial_rows"))
    assert secret not in dump and "[redacted]" in dump


def test_rederive_updates_the_columns(lab: Lab) -> None:
    row = lab.store.rows("e")[0]
    assert lab.store.replace_rows("e", [{**row, "answer": "changed"}]) == 1
    assert lab.store.rows("e")[0]["answer"] == "changed"
    assert lab.results("e").loc[0, "answer"] == "changed"


def test_the_parquet_copy_is_the_frame_and_follows_every_write(lab: Lab) -> None:
    from labkit.lab._frame_cache import frames_folder
    from labkit.lab._frames import results_frame_from_tuples

    built = results_frame_from_tuples(lab.store.row_tuples("e"))
    first = lab.results("e")
    copies = list(frames_folder(lab.store).glob("*.parquet"))
    assert len(copies) == 1
    assert first.equals(built) and list(first.dtypes) == list(built.dtypes)
    assert lab.results("e").equals(built)  # read back from the copy: the same frame, same types

    row = lab.store.rows("e")[0]
    lab.store.replace_rows("e", [{**row, "answer": "rederived"}])  # same count, same rowids: a new version
    assert lab.results("e").loc[0, "answer"] == "rederived"
    lab.sweep(TASKS, [Config(model="claude-haiku-4-5", max_tokens=512)], repeats=3, name="e", progress=False)
    assert len(lab.results("e")) == 36  # one more repeat of each task
    assert len(list(frames_folder(lab.store).glob("*.parquet"))) == 1  # stale copies are removed


def test_a_broken_or_missing_copy_is_rebuilt(lab: Lab) -> None:
    import shutil

    from labkit.lab._frame_cache import frames_folder

    expected = lab.results("e")
    [copy] = frames_folder(lab.store).glob("*.parquet")
    copy.write_bytes(b"not parquet")
    assert lab.results("e").equals(expected)
    shutil.rmtree(frames_folder(lab.store))
    assert lab.results("e").equals(expected)
