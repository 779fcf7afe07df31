"""Lab against the in-process emulator: cache hits and misses, rederive, estimate, tokens, bad input, no key leak."""

from __future__ import annotations

import io
import logging
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from labkit import ConfigError, SchemaVersionError, StoreError, UnknownModelError
from labkit.emulator import Emulator, FaultPlan
from labkit.lab._client import emulator_backend
from labkit.lab._experiment import Config, grid
from labkit.lab._frames import results_frame
from labkit.lab._lab import Lab
from labkit.lab._trial import ROW_COLUMNS
from labkit.tasks import load_tasks

FAKE_KEY = "labkit-test-key-DO-NOT-LEAK-7f3a"
HAIKU = Config(model="claude-haiku-4-5", max_tokens=2048, thinking={"mode": "budget", "budget_tokens": 1024})


def lab_at(tmp_path: Path, emulator: Emulator | None = None, **options: object) -> tuple[Lab, Emulator]:
    emulator = emulator or Emulator()
    return Lab(backend=emulator_backend(emulator), store=tmp_path / "runs.sqlite", **options), emulator  # type: ignore[arg-type]


def test_backend_name_and_rows(tmp_path: Path) -> None:
    lab, _ = lab_at(tmp_path)
    assert lab.backend_name == "emulator"
    frame = lab.sweep(load_tasks("arithmetic", limit=3), [HAIKU], name="rows", repeats=2)
    assert list(frame.columns) == list(ROW_COLUMNS)
    assert len(frame) == 6 and set(frame["repeat"]) == {0, 1}
    assert frame["trial_key"].is_unique
    assert set(frame["status"]) == {"ok"} and not frame["cached"].any()
    assert (frame["thinking_tokens"] > 0).all() and frame["correct"].notna().all()
    assert (frame["budget_tokens"] == 1024).all() and (frame["thinking_mode"] == "budget").all()
    assert lab.results("rows")["trial_key"].tolist() == frame["trial_key"].tolist()


def test_identical_trials_are_cached_and_any_changed_knob_misses(tmp_path: Path) -> None:
    lab, emulator = lab_at(tmp_path)
    tasks = load_tasks("arithmetic", limit=4)
    first = lab.sweep(tasks, [HAIKU], name="c")
    sent = emulator.counters["messages"]
    again = lab.sweep(tasks, [HAIKU], name="c")
    assert emulator.counters["messages"] == sent, "a rerun must not send anything"
    assert again["cached"].all()
    assert again.drop(columns="cached").equals(first.drop(columns="cached"))
    elsewhere = lab.sweep(tasks, [HAIKU], name="other-experiment")
    assert emulator.counters["messages"] == sent and elsewhere["cached"].all()
    changed = [HAIKU.model_copy(update={"thinking": HAIKU.thinking.model_copy(update={"budget_tokens": 1500})}),  # type: ignore[union-attr]
               HAIKU.model_copy(update={"max_tokens": 3000}),
               HAIKU.model_copy(update={"label": "renamed"}),
               Config(model="claude-haiku-4-5", max_tokens=2048, thinking={"mode": "off"},
                      inner_thoughts={"strategy": "xml", "prefill": True})]
    for n, config in enumerate(changed):
        before = emulator.counters["messages"]
        frame = lab.sweep(tasks, [config], name="c")
        assert not frame["cached"].any(), f"changed config {n} must miss the cache"
        assert emulator.counters["messages"] == before + len(tasks)
    twice = lab.sweep(tasks[:1], [HAIKU, HAIKU.model_copy()], name="twice")
    assert len(twice) == 1
    more = lab.sweep(tasks, [HAIKU], name="c", repeats=2)
    assert more["cached"].tolist() == (more["repeat"] == 0).tolist()


def test_errored_trials_are_retried_only_when_asked(tmp_path: Path) -> None:
    plan = FaultPlan.scripted("server_error")
    lab, emulator = lab_at(tmp_path, Emulator(faults=plan), max_retries=0, max_attempts=1)
    tasks = load_tasks("arithmetic", limit=2)
    first = lab.sweep(tasks, [HAIKU], name="r", concurrency=1)
    assert first["status"].tolist() == ["error", "ok"]
    sent = emulator.counters["messages"]
    assert lab.sweep(tasks, [HAIKU], name="r")["status"].tolist() == ["error", "ok"]
    assert emulator.counters["messages"] == sent
    healed = lab.sweep(tasks, [HAIKU], name="r", retry_errors=True)
    assert healed["status"].tolist() == ["ok", "ok"]
    assert healed["cached"].tolist() == [False, True]
    assert emulator.counters["messages"] == sent + 1


def test_rederive_equals_the_original_rows(tmp_path: Path) -> None:
    lab, _ = lab_at(tmp_path, Emulator(faults=FaultPlan.scripted(None, "stream_error")), max_retries=0,
                    max_attempts=1)
    tasks = [*load_tasks("arithmetic", limit=2), *load_tasks("tool", limit=2)]
    configs = [HAIKU, Config(model="claude-haiku-4-5", max_tokens=1024, thinking={"mode": "off"},
                             inner_thoughts={"strategy": "kwargs"})]
    lab.sweep(tasks, configs, name="d", concurrency=1)
    original = lab.store.rows("d")
    assert {r["status"] for r in original} == {"ok", "error"}
    rederived = lab.rederive("d")
    pd.testing.assert_frame_equal(rederived, results_frame(original))
    assert lab.store.rows("d") == original


def test_estimate_prices_before_running_and_matches_reported_input(tmp_path: Path) -> None:
    lab, emulator = lab_at(tmp_path)
    tasks = load_tasks("arithmetic", limit=3)
    estimate = lab.estimate(tasks, [HAIKU], repeats=4)
    assert emulator.counters["messages"] == 0
    assert len(estimate) == 3 and set(estimate["input_source"]) == {"count_tokens"}
    assert (estimate["output_tokens_max"] == 2048).all()
    assert (estimate["cost_max_usd"] > estimate["cost_input_usd"]).all()
    assert (estimate["input_tokens_estimated"] > 0).all()
    ran = lab.sweep(tasks, [HAIKU], name="e")
    assert estimate["input_tokens"].tolist() == ran["input_tokens"].tolist()
    assert (ran["cost_usd"] * 4 <= estimate["cost_max_usd"]).all()


def test_tokens_long_format_with_every_source(tmp_path: Path) -> None:
    lab, emulator = lab_at(tmp_path)
    results = lab.sweep(load_tasks("arithmetic", limit=2), [HAIKU], name="t", repeats=2)
    tokens = lab.tokens("t")
    categories = {"input", "cache_write_5m", "cache_write_1h", "cache_read", "thinking", "visible_output"}
    assert set(tokens["token_category"]) == categories
    assert len(tokens) == 4 * 6 + 4 + 4  # usage: 4 trials x 6 categories; + count_tokens and estimated input
    inputs = tokens[tokens["token_category"] == "input"]
    assert inputs.groupby("source", observed=True).size().to_dict() == {"reported": 4, "count_tokens": 4,
                                                                         "estimated": 4}
    # the usage rows of thinking / visible output carry the row's tokens_source (haiku: estimated split)
    split = tokens[tokens["token_category"].isin(["thinking", "visible_output"])]
    assert len(split) == 8 and set(split["source"].astype(str)) == set(results["tokens_source"])
    inputs = inputs.pivot(index="trial_key", columns="source", values="tokens")
    reported = results.set_index("trial_key")["input_tokens"].astype(int)
    assert (inputs["reported"] == reported[inputs.index]).all()
    assert (inputs["count_tokens"] == inputs["reported"]).all()  # the emulator counts with its usage tokenizer
    assert (inputs["estimated"] > 0).all() and (inputs["estimated"] != inputs["count_tokens"]).any()
    assert emulator.counters["count_tokens"] == 2  # once per distinct request (the repeats share it)
    again = lab.tokens("t")
    assert emulator.counters["count_tokens"] == 2  # served from the store
    assert again.equals(tokens)
    lab.rederive("t")
    fresh = Lab(backend=emulator_backend(Emulator()), store=lab.store.path)  # another session, same store
    assert fresh.tokens("t").equals(tokens)
    assert fresh.backend.emulator.counters["count_tokens"] == 0 and emulator.counters["count_tokens"] == 2


def test_tokens_sources_can_be_chosen(tmp_path: Path) -> None:
    lab, emulator = lab_at(tmp_path)
    lab.sweep(load_tasks("arithmetic", limit=2), [HAIKU], name="t")
    reported = lab.tokens("t", sources=["reported"])
    assert len(reported) == 2 * 6  # the usage rows only
    assert set(reported.loc[reported["token_category"] == "input", "source"].astype(str)) == {"reported"}
    assert emulator.counters["count_tokens"] == 0  # nothing asked for what is not wanted
    estimated = lab.tokens("t", sources="estimated")
    assert len(estimated) == 2 and set(estimated["token_category"].astype(str)) == {"input"}
    with pytest.raises(ConfigError, match="sources"):
        lab.tokens("t", sources=["guessed"])


def test_run_streams_one_trial(tmp_path: Path) -> None:
    lab, _ = lab_at(tmp_path)
    chunks: list[object] = []
    trial = lab.run("What is 12 + 30?", HAIKU, on_chunk=chunks.append)
    assert trial.ok and trial.answer and chunks
    assert trial.completion is not None
    assert lab.store.get_trial(trial.trial_key) is not None


def test_bad_input_fails_before_any_request(tmp_path: Path) -> None:
    lab, emulator = lab_at(tmp_path)
    tasks = load_tasks("arithmetic", limit=2)
    with pytest.raises(UnknownModelError, match="Nearest"):
        lab.sweep(tasks, [{"model": "claude-haiku-4-6", "max_tokens": 100}], name="bad")
    with pytest.raises(ConfigError, match="budget"):
        lab.sweep(tasks, [{"model": "claude-opus-5-5", "thinking": {"mode": "budget", "budget_tokens": 2048}}])
    with pytest.raises(ConfigError, match="empty"):
        lab.sweep([], [HAIKU], name="bad")
    with pytest.raises(ConfigError, match="empty"):
        lab.sweep(tasks, grid(model="claude-opus-5-5", budget=[1024]), name="bad")
    with pytest.raises(ConfigError, match="repeats"):
        lab.sweep(tasks, [HAIKU], repeats=0)
    with pytest.raises(ConfigError, match="task"):
        lab.sweep([42], [HAIKU])
    assert emulator.counters["messages"] == 0
    with pytest.raises(StoreError):
        Lab(backend=emulator_backend(emulator), store=tmp_path)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        Lab(backend=emulator_backend(emulator), store=garbage)
    newer = tmp_path / "newer.sqlite"
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(SchemaVersionError):
        Lab(backend=emulator_backend(emulator), store=newer)
    assert emulator.counters["messages"] == 0


def test_the_api_key_is_never_stored_or_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    emulator = Emulator(api_key=FAKE_KEY, faults=FaultPlan.scripted("server_error", "stream_error", "rate_limit"))
    lab, _ = lab_at(tmp_path, emulator, max_retries=0, max_attempts=1)
    frame = lab.sweep([*load_tasks("arithmetic", limit=4), *load_tasks("tool", limit=1)], [HAIKU], name="k")
    assert set(frame["status"]) == {"ok", "error"}
    lab.run("What is 1 + 1?", HAIKU)
    lab.rederive("k")
    lab.store.close()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]  # the store, its WAL, the results' Parquet copy
    assert any(p.suffix == ".parquet" for p in files)
    for path in files:
        assert FAKE_KEY.encode() not in path.read_bytes(), path
    assert FAKE_KEY not in caplog.text
    assert FAKE_KEY not in repr(lab) and FAKE_KEY not in frame.to_csv()


def test_fast_trial_keys_equal_trial_key() -> None:
    from labkit.lab._sweep_specs import trial_keys
    from labkit.lab._trial import trial_key

    params = HAIKU.prepare([{"role": "user", "content": "What is 2 + 2?"}])
    knobs = HAIKU.trial_knobs().as_dict()
    keys = trial_keys("emulator", HAIKU.model, params, knobs, 5)
    assert keys == [trial_key("emulator", HAIKU.model, params, knobs, r) for r in range(5)]
    assert len(set(keys)) == 5


def test_sweep_and_results_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from labkit.lab import _sweep_file as sweep_file
    from labkit.notebook import _results_cli as results_cli

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("LABKIT_BASE_URL", raising=False)
    store = tmp_path / "cli.sqlite"
    config = tmp_path / "sweep.toml"
    config.write_text(
        'name = "cli"\nrepeats = 2\nconcurrency = 4\n'
        '[tasks]\nsuite = "arithmetic"\nlimit = 3\n'
        '[grid]\nmodel = ["claude-haiku-4-5", "claude-opus-5-5"]\nbudget = [1024]\nmax_tokens = 2048\n'
    )
    assert sweep_file.main([str(config), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "skipped" in out and "claude-opus-5-5" in out and "6 trials on emulator" in out
    assert sweep_file.main([str(config), "--store", str(store)]) == 0
    assert "6 cached" in capsys.readouterr().out
    assert results_cli.main(["cli", "--csv", "--store", str(store)]) == 0
    csv = capsys.readouterr().out
    parsed = pd.read_csv(io.StringIO(csv))
    assert list(parsed.columns) == list(ROW_COLUMNS) and len(parsed) == 6
    assert results_cli.main(["nope", "--store", str(store)]) == 1
    assert "cli" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[grid]\nmodel = ["claude-haiku-4-5"]\ncolour = ["red"]\n')
    assert sweep_file.main([str(bad), "--store", str(store)]) == 2
    assert "colour" in capsys.readouterr().err


def test_run_and_sweep_work_inside_a_running_loop_as_in_jupyter(tmp_path: Path) -> None:
    import asyncio

    lab, _ = lab_at(tmp_path)

    async def notebook_cell() -> tuple[object, object]:
        return lab.run("What is 2 + 2?", HAIKU), lab.sweep(load_tasks("arithmetic", limit=2), [HAIKU], name="nb")

    trial, frame = asyncio.run(notebook_cell())
    assert trial.ok  # type: ignore[attr-defined]
    assert set(frame["status"]) == {"ok"}  # type: ignore[index]


def test_run_streams_live_into_a_notebook_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    import labkit.lab._runner

    updates: list[str] = []

    class Handle:
        def update(self, obj: object) -> None:
            updates.append(obj.data)  # type: ignore[attr-defined]

    monkeypatch.setattr(labkit.lab._runner, "in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: Handle())
    lab, _ = lab_at(tmp_path)
    trial = lab.run("What is 12 + 30?", HAIKU)
    assert len(updates) > 2, "the output is updated as chunks arrive"
    assert updates[-1].startswith("> **thinking**")
    assert trial.completion is not None
    assert updates[-1].endswith(trial.completion.choices[0].message.content or "")


def test_estimate_gives_an_expected_cost_beside_the_ceiling(tmp_path: Path) -> None:
    lab, emulator = lab_at(tmp_path)
    tasks = load_tasks("arithmetic", limit=3)
    before = lab.estimate(tasks, [HAIKU], repeats=2)
    assert emulator.counters["messages"] == 0  # the dry run uses its own in-process emulator
    assert set(before["expected_source"]) == {"emulator dry run (synthetic)"}
    assert (before["cost_expected_usd"] < before["cost_max_usd"]).all()
    ran = lab.sweep(tasks, [HAIKU], name="x", repeats=2)
    after = lab.estimate(tasks, [HAIKU], repeats=2)
    assert set(after["expected_source"]) == {"store (2 trials)"}
    # from the store, the expected cost of the same sweep is what it cost (same tasks, same repeats)
    assert float(after["cost_expected_usd"].sum()) == pytest.approx(float(ran["cost_usd"].sum()), rel=1e-6)
    assert float(before["cost_expected_usd"].sum()) == pytest.approx(float(ran["cost_usd"].sum()), rel=0.5)


def test_run_raises_a_trial_error_carrying_the_failed_trial(tmp_path: Path) -> None:
    from labkit import TrialError
    from labkit.lab import base_url_backend

    lab = Lab(backend=base_url_backend("http://127.0.0.1:9"), store=tmp_path / "dead.sqlite", max_retries=0,
              max_attempts=1)
    with pytest.raises(TrialError, match="APIConnectionError") as caught:
        lab.run("What is 2 + 2?", HAIKU)
    trial = caught.value.trial
    assert trial.status == "error" and trial.answer is None and trial.error_type == "APIConnectionError"
    assert [r["status"] for r in lab.store.rows("runs")] == ["error"]  # recorded, not lost


def test_trial_answer_is_the_row_answer_and_reply_the_whole_text(tmp_path: Path) -> None:
    lab, _ = lab_at(tmp_path)
    [task] = load_tasks("arithmetic", limit=1)
    trial = lab.run(task, HAIKU)
    row = lab.store.rows("runs")[0]
    assert trial.answer == row["answer"] and trial.reply.endswith(f"Answer: {trial.answer}")  # type: ignore[union-attr]
    assert trial.correct == row["correct"] == (trial.answer == str(task.answer))  # right or (a slip) wrong, alike
    assert trial.reply != trial.answer
    plain = lab.run("What is 12 + 30?", HAIKU)
    assert plain.answer == plain.reply  # a plain prompt has nothing to extract: the answer is the reply
