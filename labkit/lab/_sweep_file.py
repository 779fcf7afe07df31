"""``labkit sweep <config.toml>``: run a sweep described in a TOML file and print its summary.

The file (all keys but ``name`` and ``[grid].model`` optional)::

    name = "budget-vs-effort"
    store = "data/runs/labkit.sqlite"
    repeats = 2
    concurrency = 8
    via = "stream"            # or "batch"
    retry_errors = false

    [tasks]                   # labkit.tasks.load_tasks(suite, category=...), first `limit`
    suite = "arithmetic"      # arithmetic, letter_count, sorting, word_problem, tool
    limit = 20

    [grid]                    # labkit.lab.grid axes, the same words as in Python
    model = ["claude-sonnet-4-6", "claude-opus-4-7"]
    budget = [1024, 4096, 16384]   # on the models that take budgets
    effort = ["low", "high"]       # on the models with effort levels (never crossed with budget)
    strategy = ["native"]          # none, native, kwargs, xml, xml+prefill
    policy = "skip"                # or "fallback"

Example files: ``examples/sweeps/*.toml`` in the project.

The backend follows the usual rule (``ANTHROPIC_API_KEY`` / ``LABKIT_BASE_URL`` / emulator).
Exit status: 0 when every trial finished ok, 1 when some errored, 2 for a bad file.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

from labkit.core import LabkitError
from labkit.tokens import format_usd

FORMAT = "sweep file format (TOML):\n\n" + textwrap.dedent(
    (__doc__ or "").split("::", 1)[1].split("The backend follows")[0]).strip("\n") + "\n"
"""The file format, as ``labkit sweep --help`` shows it (from this module's docstring)."""
GRID_KEYS = ("model", "budget", "effort", "strategy", "display", "max_tokens", "tag", "system", "label", "policy")


def load_spec(path: Path) -> dict[str, Any]:
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LabkitError(f"cannot read sweep file {str(path)!r}: {exc}") from exc
    if not isinstance(spec.get("name"), str) or not spec["name"]:
        raise LabkitError(f"{path}: 'name' (a non-empty string) is required")
    grid_axes = spec.get("grid")
    if not isinstance(grid_axes, dict) or "model" not in grid_axes:
        raise LabkitError(f"{path}: a [grid] table with at least 'model' is required")
    unknown = sorted(set(grid_axes) - set(GRID_KEYS))
    if unknown:
        raise LabkitError(f"{path}: unknown [grid] keys {unknown}; known: {', '.join(GRID_KEYS)}")
    for key, where in (("repeats", spec), ("concurrency", spec), ("limit", spec.get("tasks") or {})):
        value = where.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise LabkitError(f"{path}: {key} must be a whole number >= 1, got {value!r}")
    return spec


def load_task_list(table: dict[str, Any]) -> list[Any]:
    from labkit.tasks import load_tasks

    tasks = list(load_tasks(table.get("suite"), category=table.get("category")))
    limit = table.get("limit")
    return tasks[:limit] if limit is not None else tasks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="labkit sweep", description="Run a sweep described in a TOML file.",
        epilog=FORMAT, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("config", type=Path, help="the sweep's TOML file")
    parser.add_argument("--store", help="results store path (overrides the file's 'store')")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args(argv)
    try:
        from labkit.lab._experiment import grid
        from labkit.lab._lab import Lab

        spec = load_spec(args.config)
        configs = grid(**spec["grid"])
        tasks = load_task_list(spec.get("tasks") or {})
        lab = Lab(store=args.store or spec.get("store"))
        frame = lab.sweep(tasks, configs, repeats=spec.get("repeats", 1), name=spec["name"],
                          concurrency=spec.get("concurrency", 8), via=spec.get("via", "stream"),
                          retry_errors=bool(spec.get("retry_errors", False)), progress=args.progress)
    except LabkitError as exc:
        print(f"labkit sweep: {exc}", file=sys.stderr)
        return 2
    print(configs.report())
    errors = int((frame["status"] == "error").sum())
    print(f"{spec['name']}: {len(frame)} trials on {lab.backend_name}, {int(frame['cached'].sum())} cached, "
          f"{errors} errors, cost {format_usd(float(frame['cost_usd'].fillna(0).sum()))}; store {lab.store.path}")
    return 1 if errors else 0
