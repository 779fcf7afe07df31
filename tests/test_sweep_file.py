"""`labkit sweep`: the TOML format as --help shows it, and the example sweep files shipped in examples/."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from labkit.lab import Store, grid
from labkit.lab import _sweep_file as sweep_file

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / "sweeps").glob("*.toml"))


def test_help_shows_the_file_format_and_the_format_is_a_valid_sweep(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        sweep_file.main(["--help"])
    shown = capsys.readouterr().out
    assert "sweep file format (TOML)" in shown and "[grid]" in shown and "xml+prefill" in shown
    spec = tomllib.loads(sweep_file.FORMAT.split("\n", 1)[1].split("Example files")[0])
    assert set(spec["grid"]) <= set(sweep_file.GRID_KEYS)
    configs = grid(**spec["grid"])
    assert configs and not configs.skipped


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_files_load_and_build_their_grid(path: Path) -> None:
    spec = sweep_file.load_spec(path)
    configs = grid(**spec["grid"])
    assert configs, configs.report()
    assert sweep_file.load_task_list(spec.get("tasks") or {})
    for model in spec["grid"]["model"]:
        assert f"  {model}: " in configs.report()


def test_budget_vs_effort_example_runs_by_model_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("LABKIT_BASE_URL", raising=False)
    example = next(p for p in EXAMPLES if p.name == "budget_vs_effort.toml")
    small = tmp_path / "small.toml"
    small.write_text(example.read_text().replace("limit = 20", "limit = 2").replace("repeats = 2", "repeats = 1"))
    assert sweep_file.main([str(small), "--store", str(tmp_path / "s.sqlite"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "budget axis not applied" in out and "14 trials on emulator" in out
    rows = Store(tmp_path / "s.sqlite").rows("budget-vs-effort")
    cells = {(r["model"], r["budget_tokens"], r["effort"], r["strategy"]) for r in rows}
    assert cells == {("claude-sonnet-4-6", b, None, "native") for b in (1024, 4096, 16384)} | {
        (m, None, e, "native") for m in ("claude-sonnet-4-6", "claude-opus-4-7") for e in ("low", "high")}
