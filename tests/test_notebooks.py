"""Every notebook in notebooks/ executes headless (nbclient) against the emulator, without errors.

The notebooks run once per session into a temporary demo folder, with a recognisable fake
ANTHROPIC_API_KEY in the test process's environment: labkit.notebook.demo keeps it out of the kernels, and
it must appear nowhere in the executed notebooks, tables or store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from labkit.notebook import demo

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FAKE_KEY = "labkit-test-fake-key-0000-not-a-real-credential"
EXPECTED_FIGURES = {
    "01_quickstart": set(),
    "02_thinking_budgets": {"02_tokens_vs_budget", "02_budget_utilisation", "02_truncation_rate",
                            "02_accuracy_vs_budget", "02_accuracy_vs_effort", "02_cost_vs_accuracy",
                            "02_latency_breakdown"},
    "03_inner_thoughts": {"03_strategy_comparison", "03_token_composition", "03_cost_split", "03_sensitivity"},
    "04_token_accounting": {"04_token_composition", "04_estimate_error", "04_cost_split"},
}


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, demo.NotebookReport]]]:
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
        reports = {r.name: r for r in demo.execute_notebooks(NOTEBOOKS, out, jobs=len(NOTEBOOKS))}
    yield out, reports


def test_the_four_notebooks_exist() -> None:
    assert [p.stem for p in NOTEBOOKS] == list(EXPECTED_FIGURES)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs committed"
            assert len(cell.source.splitlines()) <= 15, f"{path.name}: a cell over 15 lines belongs in labkit"


def test_committed_notebooks_match_their_generator(tmp_path: Path) -> None:
    import runpy

    generator = runpy.run_path(str(ROOT / "scripts" / "make_notebooks.py"))
    assert generator["main"]([str(tmp_path)]) == 0
    for path in NOTEBOOKS:
        assert json.loads((tmp_path / path.name).read_text()) == json.loads(path.read_text()), path.name


@pytest.mark.slow
def test_every_notebook_runs_without_errors(executed: tuple[Path, dict[str, demo.NotebookReport]]) -> None:
    out, reports = executed
    for name, report in reports.items():
        assert report.status == "ok", f"{name}: {report.error}"
        nb = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
        assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), f"{name}: a cell did not run"


@pytest.mark.slow
def test_notebooks_produce_their_figures_and_tables(executed: tuple[Path, dict[str, demo.NotebookReport]]) -> None:
    out, reports = executed
    for name, figures in EXPECTED_FIGURES.items():
        assert {p.stem for p in reports[name].figures} == figures, name
        for png in reports[name].figures:
            assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000
        assert reports[name].tables, f"{name} saved no table"
        for csv in reports[name].tables:
            assert csv.with_suffix(".parquet").exists()
    shown = nbformat.read(out / "notebooks" / "02_thinking_budgets.ipynb", as_version=4)
    images = [o for c in shown.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == len(EXPECTED_FIGURES["02_thinking_budgets"])  # each figure is shown, once


@pytest.mark.slow
def test_every_figure_and_table_says_it_is_synthetic(executed: tuple[Path, dict[str, demo.NotebookReport]]) -> None:
    import pandas as pd
    import PIL.Image

    from labkit.emulator import Assumptions

    stamp = f"synthetic: labkit emulator, not Claude · assumptions {Assumptions().version}"
    _, reports = executed
    for report in reports.values():
        for png in report.figures:
            with PIL.Image.open(png) as image:
                described = image.info.get("Description", "")
                if png.stem == "03_sensitivity":  # one sweep per value of the assumption: every version named
                    assert described.startswith(stamp.split(" a1-")[0]) and described.count("a1-") == 4
                else:
                    assert described == stamp, png.name
        for csv in report.tables:
            labels = set(pd.read_csv(csv)["provenance"].astype(str))
            if csv.stem == "03_configs":  # a table of configs, before anything ran
                assert labels == {"the sweep's configs (no results)"}
                continue
            assert labels and all(label.startswith("synthetic") for label in labels), (csv.name, labels)


def test_findings_are_printed_from_the_data(executed: tuple[Path, dict[str, demo.NotebookReport]]) -> None:
    import pandas as pd

    out, _ = executed
    summary = pd.read_csv(out / "tables" / "02_summary.csv")
    best = summary.loc[summary["accuracy"].idxmax()]
    shown = nbformat.read(out / "notebooks" / "02_thinking_budgets.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in shown.cells for o in c.get("outputs", []))
    assert f"most accurate: {best['model']}" in text and f"{best['accuracy']:.0%} [" in text


def test_quickstart_says_which_backend_and_why(executed: tuple[Path, dict[str, demo.NotebookReport]]) -> None:
    out, _ = executed
    nb = nbformat.read(out / "notebooks" / "01_quickstart.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "backend: emulator" in text and "neither ANTHROPIC_API_KEY nor LABKIT_BASE_URL" in text
    widgets_shown = [o for c in nb.cells for o in c.get("outputs", [])
                     if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets_shown) >= 3  # the live stream, the side-by-side view and the playground


@pytest.mark.slow
def test_fake_api_key_appears_nowhere(executed: tuple[Path, dict[str, demo.NotebookReport]]) -> None:
    out, _ = executed
    checked = 0
    for path in out.rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), f"the API key leaked into {path}"
            checked += 1
    assert checked >= 20  # executed notebooks, figures, tables and the store were all scanned
