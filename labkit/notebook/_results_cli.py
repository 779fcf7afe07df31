"""``labkit results <name> [--csv]``: print a stored experiment's trial rows (a table, or CSV).

Reads the store only (``--store``, default ``data/runs/labkit.sqlite``); sends no request. An
unknown experiment name lists the ones the store holds.
"""

from __future__ import annotations

import argparse
import os
import sys

from labkit.core import LabkitError

SUMMARY_COLUMNS = ["model", "thinking_mode", "budget_tokens", "effort", "strategy", "task_id", "repeat", "status",
                   "output_tokens", "thinking_tokens", "cost_usd", "correct", "cached"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="labkit results", description="Print a stored experiment's results.")
    parser.add_argument("name", help="experiment name")
    parser.add_argument("--csv", action="store_true", help="every column as CSV on stdout")
    parser.add_argument("--store", default=None, help="results store path")
    args = parser.parse_args(argv)
    try:
        from labkit.lab import Store, default_store_path, results_frame

        store = Store(args.store or default_store_path())
        names = [e["name"] for e in store.experiments()]
        if args.name not in names:
            known = ", ".join(names) or "none"
            print(f"labkit results: no experiment {args.name!r} in {store.path} (known: {known})", file=sys.stderr)
            return 1
        frame = results_frame(store.rows(args.name))
    except LabkitError as exc:
        print(f"labkit results: {exc}", file=sys.stderr)
        return 2
    try:
        if args.csv:
            frame.to_csv(sys.stdout, index=False)
        else:
            print(frame[[c for c in SUMMARY_COLUMNS if c in frame.columns]].to_string(index=False))
        sys.stdout.flush()
    except BrokenPipeError:  # `labkit results x | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
