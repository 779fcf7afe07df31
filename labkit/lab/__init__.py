"""Experiments against a backend: the client (backend choice, recorded streams), the runner
(concurrency, retries, rate limits), the SQLite store, Message Batches, trials, derivation and sweeps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "results_frame": "labkit.lab._frames",
    "tokens_frame": "labkit.lab._frames",
    "local_estimates": "labkit.lab._frames",
    "Backend": "labkit.lab._backends",
    "BackendIdentity": "labkit.lab._identity",
    "base_url_backend": "labkit.lab._client",
    "emulator_backend": "labkit.lab._client",
    "Comparison": "labkit.lab._compare",
    "compare_rows": "labkit.lab._compare",
    "derive_trial": "labkit.lab._derive",
    "Config": "labkit.lab._experiment",
    "GridResult": "labkit.lab._experiment",
    "grid": "labkit.lab._experiment",
    "Lab": "labkit.lab._lab",
    "Runner": "labkit.lab._runner",
    "DEFAULT_PATH": "labkit.lab._store",
    "Store": "labkit.lab._store",
    "default_store_path": "labkit.lab._store",
    "Interval": "labkit.lab._stats",
    "PairedDifference": "labkit.lab._stats",
    "Plan": "labkit.lab._stats",
    "mean_interval": "labkit.lab._stats",
    "paired_difference": "labkit.lab._stats",
    "plan_tasks": "labkit.lab._stats",
    "rate_interval": "labkit.lab._stats",
    "build_specs": "labkit.lab._sweep_specs",
    "normalise_tasks": "labkit.lab._sweep_specs",
    "task_tools": "labkit.lab._sweep_specs",
    "ROW_COLUMNS": "labkit.lab._trial",
    "Knobs": "labkit.lab._trial",
    "Trial": "labkit.lab._trial",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.lab._backends import Backend as Backend
    from labkit.lab._client import base_url_backend as base_url_backend
    from labkit.lab._client import emulator_backend as emulator_backend
    from labkit.lab._compare import Comparison as Comparison
    from labkit.lab._compare import compare_rows as compare_rows
    from labkit.lab._derive import derive_trial as derive_trial
    from labkit.lab._experiment import Config as Config
    from labkit.lab._experiment import GridResult as GridResult
    from labkit.lab._experiment import grid as grid
    from labkit.lab._frames import local_estimates as local_estimates
    from labkit.lab._frames import results_frame as results_frame
    from labkit.lab._frames import tokens_frame as tokens_frame
    from labkit.lab._identity import BackendIdentity as BackendIdentity
    from labkit.lab._lab import Lab as Lab
    from labkit.lab._runner import Runner as Runner
    from labkit.lab._stats import Interval as Interval
    from labkit.lab._stats import PairedDifference as PairedDifference
    from labkit.lab._stats import Plan as Plan
    from labkit.lab._stats import mean_interval as mean_interval
    from labkit.lab._stats import paired_difference as paired_difference
    from labkit.lab._stats import plan_tasks as plan_tasks
    from labkit.lab._stats import rate_interval as rate_interval
    from labkit.lab._store import DEFAULT_PATH as DEFAULT_PATH
    from labkit.lab._store import Store as Store
    from labkit.lab._store import default_store_path as default_store_path
    from labkit.lab._sweep_specs import build_specs as build_specs
    from labkit.lab._sweep_specs import normalise_tasks as normalise_tasks
    from labkit.lab._sweep_specs import task_tools as task_tools
    from labkit.lab._trial import ROW_COLUMNS as ROW_COLUMNS
    from labkit.lab._trial import Knobs as Knobs
    from labkit.lab._trial import Trial as Trial
