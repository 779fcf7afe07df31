"""The README as a user meets it: the first look runs as written, its sweep file is the shipped example,
and the project's docs point only at files in the project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(after: str, language: str) -> str:
    section = README[README.index(after):]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_first_look_runs_as_written(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "LABKIT_BASE_URL")}
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run([sys.executable, "-c", _block("## A first look", "python")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert out.splitlines()[0] == "emulator"
    assert "claude-opus-4-7: 2 configs (budget axis not applied" in out and "claude-sonnet-4-6: 5 configs" in out
    assert "cost_expected_usd" in out and "cost_max_usd" in out
    assert "tasks both finished" in out and "points [" in out
    assert "xml+prefill" in out and "error APIConnectionError" in out
    assert (tmp_path / "data" / "runs" / "labkit.sqlite").is_file()  # Lab()'s store, under the project folder
    assert not [line for line in done.stderr.splitlines() if "Warning" in line], done.stderr


def test_readme_sweep_file_is_the_shipped_example() -> None:
    shown = tomllib.loads(_block("### Sweeps from a file", "toml"))
    shipped = tomllib.loads((ROOT / "examples" / "sweeps" / "budget_vs_effort.toml").read_text(encoding="utf-8"))
    assert shown["grid"] == shipped["grid"] and shown["name"] == shipped["name"]


def test_docs_point_only_at_files_in_the_project() -> None:
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        assert "../" not in text, f"{doc.name} points outside the project"
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            assert not target.startswith(("http://", "https://")) or "127.0.0.1" in target, (doc.name, target)
            assert (doc.parent / target).exists(), (doc.name, target)
        for path in re.findall(r"`((?:docs|examples|notebooks|scripts|benchmarks|data/tasks)/[^`*]*)`", text):
            assert (ROOT / path).exists(), (doc.name, path)
