"""labkit.notebook._provenance: every figure, table and widget built from emulator rows says so;
rows from a real API carry no stamp; a mixed frame says which rows are which."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from labkit import Lab
from labkit.emulator import Emulator
from labkit.emulator.serving._server import serve_in_thread
from labkit.lab import base_url_backend, emulator_backend
from labkit.notebook import plots, provenance, stamp_of, summary_frame
from labkit.notebook._provenance import SYNTHETIC
from labkit.notebook.widgets._panel import badge_text
from labkit.tasks import load_tasks

MODEL = "claude-sonnet-4-6"
PLOTS = {  # every stamped helper and the frame it draws (results rows or lab.tokens())
    "accuracy_vs_budget": "results", "tokens_vs_budget": "results", "budget_utilisation": "results",
    "truncation_rate": "results", "latency_breakdown": "results", "cost_vs_accuracy": "results",
    "strategy_comparison": "results", "cost_split": "results", "token_composition": "tokens",
    "estimate_error": "tokens",
}


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame, Lab]:
    emulator = Emulator(seed=1)
    lab = Lab(backend=emulator_backend(emulator), store=tmp_path_factory.mktemp("p") / "s.sqlite")
    lab.sweep(load_tasks("arithmetic", limit=3), [{"model": MODEL, "thinking": b} for b in (1024, 4096)],
              repeats=1, name="p", progress=False)  # fmt: skip
    return lab.results("p"), lab.tokens("p"), lab


def _as_real(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(backend="anthropic", synthetic=False, endpoint="anthropic")


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_every_plot_of_emulator_rows_is_stamped_and_of_real_rows_is_not(name: str, swept: Any) -> None:
    results, tokens, lab = swept
    frame = results if PLOTS[name] == "results" else tokens
    version = lab.backend.emulator.assumptions.version
    assert stamp_of(getattr(plots, name)(frame)) == f"{SYNTHETIC} · assumptions {version}"
    assert stamp_of(getattr(plots, name)(_as_real(frame))) == ""


def test_a_mixed_frame_says_how_many_rows_are_which(swept: Any) -> None:
    results, _, _ = swept
    mixed = pd.concat([results, _as_real(results.iloc[:2])], ignore_index=True)
    found = provenance(mixed)
    assert (found.synthetic_rows, found.real_rows) == (len(results), 2)
    assert stamp_of(plots.accuracy_vs_budget(mixed)).startswith(f"mixed: {len(results)} rows {SYNTHETIC}")


def test_summary_tables_carry_a_provenance_column_and_caption(swept: Any) -> None:
    results, _, lab = swept
    version = lab.backend.emulator.assumptions.version
    table = summary_frame(results, by=["model", "budget_tokens"])
    assert set(table["provenance"]) == {f"synthetic (labkit emulator, assumptions {version})"}
    assert table.attrs["caption"] == f"{SYNTHETIC} · assumptions {version}"
    real = summary_frame(_as_real(results), by=["model", "budget_tokens"])
    assert set(real["provenance"]) == {"real (anthropic)"} and real.attrs["caption"] == ""


def test_rows_from_the_emulator_over_http_are_synthetic_too(tmp_path: Path) -> None:
    with serve_in_thread(Emulator(seed=2)) as url:
        lab = Lab(backend=base_url_backend(url), store=tmp_path / "s.sqlite")
        trial = lab.run("What is 6 * 7?", {"model": MODEL}, experiment="http")
    row = lab.results("http").iloc[0]
    assert trial.synthetic is True and row["backend"] == "base_url" and bool(row["synthetic"])
    assert stamp_of(plots.cost_split(lab.results("http"))).startswith(SYNTHETIC)


def test_widgets_show_a_badge_only_for_the_emulator(swept: Any) -> None:
    _, _, lab = swept
    assert badge_text(lab) == f"{SYNTHETIC} · assumptions {lab.backend.emulator.assumptions.version}"
    assert badge_text(Lab(backend=base_url_backend("http://127.0.0.1:9"))) == ""
