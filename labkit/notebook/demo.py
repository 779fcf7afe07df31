"""``labkit demo``: execute every notebook headless against the emulator and collect what they made.

`main` runs each ``notebooks/*.ipynb`` with nbclient in a fresh kernel whose environment has no
``ANTHROPIC_API_KEY`` / ``LABKIT_BASE_URL`` (so the in-process emulator answers) and whose
``LABKIT_DEMO_DIR`` points at ``data/demo/``. It writes the executed copies to
``data/demo/notebooks/``; the notebooks themselves save figures (PNG) to ``data/demo/figures/`` and
tables (CSV + Parquet) to ``data/demo/tables/`` through `figure` and `table`, and keep their results
in fresh stores under ``data/demo/stores/`` (`store_path`); kernel stderr goes to ``data/demo/kernels.log``.
Outside the demo (a notebook run by hand in JupyterLab) the same helpers write under
``data/interactive/``, never over the demo's outputs, and the store stays the default
``data/runs/labkit.sqlite``.

Every saved figure and table says who answered its rows: figures carry the provenance stamp
(`labkit.notebook.stamp_figure`, also in the PNG's metadata) and tables a ``provenance`` column. A
table or figure built from other rows than its own (a comparison, a knee table) names them with
``rows=``; a table whose provenance cannot be told is refused rather than saved unlabelled.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DEMO_DIR_ENV = "LABKIT_DEMO_DIR"
NOTEBOOK_ENV = "LABKIT_DEMO_NOTEBOOK"
"""Set per kernel by the demo: the notebook whose manifest records each saved figure and table."""
MANIFESTS = ".manifests"
BACKEND_ENV = ("ANTHROPIC_API_KEY", "LABKIT_BASE_URL")
CELL_TIMEOUT_S = 300


def project_root() -> Path:
    """The folder holding ``notebooks/`` and ``data/``: the working directory, or its parent from a notebook."""
    cwd = Path.cwd()
    return cwd.parent if cwd.name == "notebooks" else cwd


def output_dir() -> Path:
    """Where saved figures and tables go: ``$LABKIT_DEMO_DIR`` (set by ``labkit demo``), else
    ``<project>/data/interactive`` (a notebook run by hand leaves the demo's outputs alone)."""
    configured = os.environ.get(DEMO_DIR_ENV)
    return Path(configured) if configured else project_root() / "data" / "interactive"


def store_path() -> Path:
    """The results store a notebook should use: ``data/runs/labkit.sqlite``, or in a demo run a fresh
    ``<demo>/stores/<notebook>.sqlite`` (one per notebook: notebooks run at once and never wait on
    each other's writes)."""
    if os.environ.get(DEMO_DIR_ENV):
        return output_dir() / "stores" / f"{os.environ.get(NOTEBOOK_ENV) or 'labkit'}.sqlite"
    from labkit.lab import default_store_path

    return default_store_path()  # the file Lab() opens by default


def figure(ax_or_fig: Axes | Figure, name: str, *, rows: pd.DataFrame | None = None) -> Figure:
    """Save a plot as ``figures/<name>.png`` under `output_dir` and return its Figure (to display it).

    labkit's plot helpers stamp their figures; a figure drawn by hand is stamped from ``rows``."""
    from matplotlib.axes import Axes as _Axes

    from labkit.notebook._provenance import stamp_figure, stamp_of
    from labkit.notebook.plots import PlotDataError, save_figure

    fig = ax_or_fig.get_figure(root=True) if isinstance(ax_or_fig, _Axes) else ax_or_fig
    if fig is None:
        raise PlotDataError(f"figure {name!r}: the Axes belongs to no figure")
    if rows is not None and not stamp_of(fig) and fig.axes:
        stamp_figure(fig.axes[0], rows)
    _record(save_figure(fig, output_dir() / "figures" / f"{name}.png"))
    return fig


def table(frame: pd.DataFrame, name: str, *, rows: pd.DataFrame | None = None,
          provenance: str | None = None) -> pd.DataFrame:
    """Save ``frame`` as ``tables/<name>.csv`` and ``.parquet`` under `output_dir`; return it.

    The saved table says who answered its rows in a ``provenance`` column: the frame's own (trial rows,
    `summary_frame`), else that of the ``rows`` it was built from, else the ``provenance`` text given.
    """
    from labkit.core import TableError
    from labkit.notebook._provenance import has_provenance, provenance_labels
    from labkit.notebook._provenance import provenance as provenance_of

    if "provenance" not in frame.columns:
        if has_provenance(frame):
            label: object = provenance_labels(frame)
        elif rows is not None and has_provenance(rows):
            label = provenance_of(rows).stamp or "real API"
        elif provenance:
            label = provenance
        else:
            raise TableError(f"table {name!r}: say which rows it was built from (rows=...) or its provenance=...; "
                             "a saved table always says whether it is synthetic")
        frame = frame.assign(provenance=label)
    folder = output_dir() / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{name}.csv", index=False)
    frame.to_parquet(folder / f"{name}.parquet", index=False)
    _record(folder / f"{name}.csv")
    return frame


def _record(path: Path) -> None:
    """Note a saved output in the running notebook's manifest (only when run by the demo)."""
    notebook = os.environ.get(NOTEBOOK_ENV)
    if notebook:
        manifest = output_dir() / MANIFESTS / f"{notebook}.txt"
        manifest.parent.mkdir(parents=True, exist_ok=True)
        with manifest.open("a", encoding="utf-8") as handle:
            handle.write(f"{path.resolve()}\n")


def _manifest(out: Path, notebook: str) -> list[Path]:
    manifest = out / MANIFESTS / f"{notebook}.txt"
    lines = manifest.read_text(encoding="utf-8").splitlines() if manifest.exists() else []
    return sorted({Path(line) for line in lines if line})


@dataclass
class NotebookReport:
    """What executing one notebook produced."""

    name: str
    status: str = "ok"
    seconds: float = 0.0
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    error: str | None = None


def demo_env(out: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The kernel environment: no API key or base URL (the emulator answers, with the "demo"
    latency profile unless one is set), outputs under ``out``."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in BACKEND_ENV}
    env[DEMO_DIR_ENV] = str(out)
    env.setdefault("LABKIT_EMULATOR_LATENCY", "demo")
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


async def _execute(path: Path, out: Path, env: Mapping[str, str] | None, timeout: int) -> NotebookReport:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    report = NotebookReport(name=path.stem)
    (out / MANIFESTS / f"{path.stem}.txt").unlink(missing_ok=True)
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    try:
        with open(out / "kernels.log", "ab") as log:  # the kernel's own stderr (warnings, tracebacks)
            kernel_env = {**(env if env is not None else demo_env(out)), NOTEBOOK_ENV: path.stem}
            await client.async_execute(env=kernel_env, stderr=log)
    except CellExecutionError as exc:
        report.status, report.error = "error", f"{exc.ename}: {_first_line(exc.evalue)}"
    except Exception as exc:  # a kernel that died or timed out: report it, go on with the next notebook
        report.status, report.error = "error", f"{type(exc).__name__}: {_first_line(str(exc))}"
    report.seconds = time.perf_counter() - start
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / "notebooks" / path.name)  # type: ignore[no-untyped-call]
    saved = _manifest(out, path.stem)
    report.figures = [p for p in saved if p.suffix == ".png"]
    report.tables = [p for p in saved if p.suffix == ".csv"]
    return report


def execute_notebooks(paths: Sequence[Path], out: Path, *, jobs: int = 2,
                      timeout: int = CELL_TIMEOUT_S) -> list[NotebookReport]:
    """Execute notebooks, ``jobs`` kernels at a time (they mostly wait on the emulator's latency), in order."""

    async def run_all() -> list[NotebookReport]:
        gate = asyncio.Semaphore(max(1, jobs))

        async def one(path: Path) -> NotebookReport:
            async with gate:
                return await _execute(path, out, None, timeout)

        return list(await asyncio.gather(*(one(p) for p in paths)))

    return asyncio.run(run_all())


def _first_line(text: str) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # tracebacks come with terminal colours
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if "Error" in ln]
    return (errors[-1] if errors else lines[-1] if lines else "failed")[:200]


def fresh_output(out: Path) -> None:
    """Empty the demo folder's generated parts (keeps anything else a user put there)."""
    for sub in ("notebooks", "figures", "tables", "stores", MANIFESTS):
        shutil.rmtree(out / sub, ignore_errors=True)
    for stale in [*out.glob("labkit.sqlite*"), out / "kernels.log"]:  # also what older runs left
        stale.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def summary(reports: Sequence[NotebookReport], out: Path) -> str:
    """The one-screen summary printed at the end of a demo run."""
    lines = [f"labkit demo: {len(reports)} notebooks executed against the emulator", ""]
    lines.append(f"{'notebook':<24} {'status':<7} {'seconds':>8} {'figures':>8} {'tables':>7}")
    for r in reports:
        lines.append(f"{r.name:<24} {r.status:<7} {r.seconds:>8.1f} {len(r.figures):>8} {len(r.tables):>7}")
        if r.error:
            lines.append(f"    {r.error}")
    lines += ["", f"executed notebooks: {out / 'notebooks'}", f"figures (PNG):      {out / 'figures'}",
              f"tables (CSV, Parquet): {out / 'tables'}", f"results stores:     {out / 'stores'}"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; exit status 0 when every notebook ran without error."""
    parser = argparse.ArgumentParser(prog="labkit demo", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--notebooks", type=Path, default=project_root() / "notebooks", help="folder of notebooks")
    parser.add_argument("--out", type=Path, default=project_root() / "data" / "demo", help="output folder")
    parser.add_argument("--only", action="append", default=[], help="run only notebooks whose name contains this")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds per cell")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    args = parser.parse_args(list(argv) if argv is not None else None)
    paths = sorted(p for p in args.notebooks.glob("*.ipynb") if not args.only or any(o in p.name for o in args.only))
    if not paths:
        print(f"labkit demo: no notebooks found in {args.notebooks}")
        return 1
    out = args.out.resolve()
    fresh_output(out)
    print(f"executing {len(paths)} notebooks against the emulator ({args.jobs} at a time) ...", flush=True)
    reports = execute_notebooks([p.resolve() for p in paths], out, jobs=args.jobs, timeout=args.timeout)
    print(summary(reports, out))
    return 0 if all(r.status == "ok" for r in reports) else 1
