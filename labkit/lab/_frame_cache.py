"""A Parquet copy of each experiment's results frame, kept beside the store, so reading results
costs what reading a Parquet file costs.

``lab.results(name)`` builds the typed frame from the store's plain row columns once and writes it
to ``<store>.frames/<experiment hash>-<count>-<last rowid>-<version>.parquet``. The name is the
state of the experiment's rows: a new trial raises the count and the last rowid, a replaced one
(a retried trial, ``rederive``) raises the version, which a trigger on ``trial_rows`` keeps. So a
copy is used only while it is exactly what the store holds; a stale one is replaced, and a copy
that cannot be read is rebuilt. The store stays the source of truth: delete the folder any time.
Without pyarrow (pandas' Parquet engine) the frame is simply built each time.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from labkit.lab._frames import results_frame_from_tuples
from labkit.lab._store import Store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["cached_results", "frames_folder"]


def frames_folder(store: Store) -> Path:
    return store.path.with_name(store.path.name + ".frames")


def cached_results(store: Store, experiment: str | None) -> pd.DataFrame:
    """The results frame of ``experiment`` (None: every experiment), from the Parquet copy when current."""
    if importlib.util.find_spec("pyarrow") is None:
        return results_frame_from_tuples(store.row_chunks(experiment))
    import pandas as pd

    count, last, version = store.rows_signature(experiment)
    stem = hashlib.sha256(repr(experiment).encode("utf-8")).hexdigest()[:16]
    folder = frames_folder(store)
    path = folder / f"{stem}-{count}-{last}-{version}.parquet"
    if path.exists():
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError):  # a torn or foreign file: rebuilt below
            pass
    frame = results_frame_from_tuples(store.row_chunks(experiment))
    try:
        folder.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
            frame.to_parquet(tmp.name)
        os.replace(tmp.name, path)  # whole or not at all, also with another process reading
        for old in folder.glob(f"{stem}-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only folder: the frame is still right, only not kept
        pass
    return frame
