"""labkit.notebook.demo: the output helpers notebooks call, and `main` on small notebooks of the test's own."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nbformat
import pandas as pd
import PIL.Image
import pytest
from matplotlib.figure import Figure
from nbformat.v4 import new_code_cell, new_notebook

from labkit.cli import main as cli_main
from labkit.core import TableError
from labkit.notebook import demo, stamp_of

GOOD = """\
import pandas as pd
from matplotlib.figure import Figure
from labkit.notebook import demo
frame = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
demo.table(frame, "tiny_table", provenance="made by hand")
fig = Figure(); fig.add_subplot().plot([1, 2], [3, 4])
demo.figure(fig, "tiny_figure")
import os; print("store", demo.store_path(), "key" if "ANTHROPIC_API_KEY" in os.environ else "no key")"""


def _notebook(folder: Path, name: str, source: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_output_helpers_follow_the_demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(demo.DEMO_DIR_ENV, str(tmp_path / "out"))
    assert demo.output_dir() == tmp_path / "out"
    monkeypatch.delenv(demo.NOTEBOOK_ENV, raising=False)
    assert demo.store_path() == tmp_path / "out" / "stores" / "labkit.sqlite"
    monkeypatch.setenv(demo.NOTEBOOK_ENV, "02_x")
    assert demo.store_path() == tmp_path / "out" / "stores" / "02_x.sqlite"
    fig = Figure()
    ax = fig.add_subplot()
    assert demo.figure(ax, "one") is fig
    assert (tmp_path / "out" / "figures" / "one.png").read_bytes()[:4] == b"\x89PNG"
    frame = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(TableError, match="'t': say which rows it was built from"):
        demo.table(frame, "t")  # nothing says who answered: refused, not saved unlabelled
    assert not (tmp_path / "out" / "tables" / "t.csv").exists()
    saved = demo.table(frame, "t", provenance="hand-made")
    assert list(saved["provenance"]) == ["hand-made", "hand-made"] and list(frame.columns) == ["a"]
    assert pd.read_parquet(tmp_path / "out" / "tables" / "t.parquet").equals(saved)
    assert (tmp_path / "out" / "tables" / "t.csv").read_text().splitlines() == ["a,provenance", "1,hand-made",
                                                                                "2,hand-made"]


def test_saved_tables_and_figures_say_who_answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(demo.DEMO_DIR_ENV, str(tmp_path))
    rows = pd.DataFrame({"backend": ["emulator", "anthropic"], "synthetic": [True, False],
                         "endpoint": ["seed=0 assumptions=a1-0000abcd", "anthropic"], "x": [1, 2]})
    own = demo.table(rows, "own")
    assert list(own["provenance"]) == ["synthetic (labkit emulator, assumptions a1-0000abcd)", "real (anthropic)"]
    derived = demo.table(pd.DataFrame({"k": [1]}), "derived", rows=rows.iloc[:1])
    assert list(derived["provenance"]) == ["synthetic: labkit emulator, not Claude · assumptions a1-0000abcd"]
    real = demo.table(pd.DataFrame({"k": [1]}), "real", rows=rows.iloc[1:])
    assert list(real["provenance"]) == ["real API"]
    fig = Figure()
    demo.figure(fig.add_subplot(), "hand", rows=rows)
    assert stamp_of(fig).startswith("mixed: 1 rows synthetic: labkit emulator, not Claude · assumptions a1-0000abcd")
    with PIL.Image.open(tmp_path / "figures" / "hand.png") as png:
        assert png.info["Description"] == stamp_of(fig)


def test_defaults_without_the_demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(demo.DEMO_DIR_ENV, raising=False)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")  # a notebook's working directory
    assert demo.project_root() == tmp_path
    assert demo.output_dir() == tmp_path / "data" / "interactive"  # a notebook run by hand leaves data/demo/ alone
    assert demo.store_path() == tmp_path / "data" / "runs" / "labkit.sqlite"


def test_kernel_env_has_no_backend_settings(tmp_path: Path) -> None:
    env = demo.demo_env(tmp_path, {"ANTHROPIC_API_KEY": "fake", "LABKIT_BASE_URL": "http://127.0.0.1:1", "A": "b"})
    assert env == {"A": "b", demo.DEMO_DIR_ENV: str(tmp_path), "MPLBACKEND": "module://matplotlib_inline.backend_inline",
                   "LABKIT_EMULATOR_LATENCY": "demo"}
    chosen = demo.demo_env(tmp_path, {"LABKIT_EMULATOR_LATENCY": "realistic"})
    assert chosen["LABKIT_EMULATOR_LATENCY"] == "realistic"


def test_main_runs_notebooks_and_summarises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "labkit-fake-key-for-demo-test")
    books, out = tmp_path / "nb", tmp_path / "out"
    books.mkdir()
    _notebook(books, "a_good.ipynb", GOOD)
    _notebook(books, "b_bad.ipynb", "raise ZeroDivisionError('on purpose')")
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "stale.png").write_bytes(b"old")
    status = demo.main(["--notebooks", str(books), "--out", str(out), "--timeout", "60"])
    printed = capsys.readouterr().out
    assert status == 1
    assert not (out / "figures" / "stale.png").exists()  # every run starts from a fresh folder
    lines = {ln.split()[0]: ln.split() for ln in printed.splitlines() if ln.startswith(("a_good", "b_bad"))}
    assert lines["a_good"][1:2] == ["ok"] and lines["a_good"][3:] == ["1", "1"]
    assert lines["b_bad"][1:2] == ["error"] and "ZeroDivisionError: on purpose" in printed
    assert f"figures (PNG):      {out / 'figures'}" in printed
    executed = nbformat.read(out / "notebooks" / "a_good.ipynb", as_version=4)
    stdout = executed.cells[0].outputs[0]["text"]
    assert stdout == f"store {out / 'stores' / 'a_good.sqlite'} no key\n"
    assert (out / "tables" / "tiny_table.parquet").exists() and (out / "figures" / "tiny_figure.png").exists()


def test_cli_demo_only_selects_notebooks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    books = tmp_path / "nb"
    books.mkdir()
    _notebook(books, "a_good.ipynb", "print('hello')")
    _notebook(books, "b_bad.ipynb", "raise ValueError")
    assert cli_main(["demo", "--notebooks", str(books), "--out", str(tmp_path / "o"), "--only", "good"]) == 0
    assert "1 notebooks executed" in capsys.readouterr().out
    assert cli_main(["demo", "--notebooks", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 1
