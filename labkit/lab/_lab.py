"""`Lab`: the notebook entry point for running trials and sweeps and reading their results.

``Lab(backend=None, store=None)`` picks the backend by the rule in `labkit.lab` (or takes a
`Backend`, a backend name, an `Emulator` or an SDK client) and opens the results store (default
``data/runs/labkit.sqlite`` in the project folder, the same file the notebooks use: see
`labkit.lab.default_store_path`). Everything that can be wrong with a sweep (unknown model, invalid
config, empty task list, unreadable or newer-schema store) raises before any request is sent.

- ``lab.run(prompt_or_task, config)`` streams one trial (live in a notebook) and returns a `Trial`,
  or raises `TrialError` carrying the failed trial;
- ``lab.sweep(tasks, configs, repeats=1, name=...)`` runs configs x tasks x repeats through the
  runner (or Message Batches with ``via="batch"``); finished trials in the store are served from
  it (``cached=True``); errored ones are retried only with ``retry_errors=True``;
- ``lab.results`` / ``lab.tokens`` / ``lab.estimate`` / ``lab.rederive`` are DataFrame views;
- ``lab.compare(name, a, b)`` compares two configs of a sweep, paired by task, with intervals.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from labkit.core import ChatCompletionChunk, ConfigError, TrialError
from labkit.lab._backends import Backend
from labkit.lab._client import resolve_backend
from labkit.lab._experiment import Config
from labkit.lab._leases import Leases, new_owner
from labkit.lab._run_sync import run_sync
from labkit.lab._runner import RateGate, Runner, TrialSpec
from labkit.lab._store import Store, StoredTrial, default_store_path
from labkit.lab._sweep_specs import (
    build_specs,
    estimate_rows,
    finish_trial,
    next_turn,
    normalise_configs,
    normalise_tasks,
)
from labkit.lab._trial import Trial

TOKEN_SOURCES = ("reported", "count_tokens", "estimated")


class Lab:
    """Runs trials and sweeps against one backend and keeps every result in one store."""

    def __init__(self, backend: Backend | str | Any | None = None, store: Store | str | os.PathLike[str] | None = None,
                 *, region: str | None = None, project_id: str | None = None, max_retries: int = 2,
                 max_attempts: int = 3, stall_timeout: float = 60.0, retry_backoff: float = 0.5) -> None:
        self.backend = resolve_backend(backend, region=region, project_id=project_id)
        self.store = store if isinstance(store, Store) else Store(default_store_path() if store is None else store)
        self.max_retries = max_retries
        self.max_attempts = max_attempts
        self.stall_timeout = stall_timeout
        self.retry_backoff = retry_backoff

    @property
    def backend_name(self) -> str:
        return self.backend.name

    def __repr__(self) -> str:
        return f"Lab(backend={self.backend_name!r} ({self.backend.reason}), store={self.store.path})"

    def _capabilities(self) -> AbstractContextManager[None]:
        """Model checks against the backend's live ``GET /v1/models`` when it has one, else the catalog."""
        from labkit.lab._live import capabilities_for

        return capabilities_for(self.backend)

    # -- running ---------------------------------------------------------------------------------

    def _runner(self, concurrency: int) -> Runner:
        gate = RateGate()
        client = self.backend.async_client(max_retries=self.max_retries, middleware=[gate])
        return Runner(client=client, store=self.store, backend=self.backend_name, gate=gate,
                      endpoint=self.backend.endpoint, wire=self.backend.wire_params,
                      finish=lambda spec, turns, attempts: finish_trial(self.backend_name, spec, turns,
                                                                        endpoint=self.backend.endpoint),
                      next_turn=next_turn, concurrency=concurrency, max_attempts=self.max_attempts,
                      stall_timeout=self.stall_timeout, retry_backoff=self.retry_backoff)

    def run(self, prompt_or_task: Any, config: Config | dict[str, Any], *, experiment: str = "runs",
            on_chunk: Callable[[ChatCompletionChunk], None] | None = None) -> Trial:
        """Stream one trial (live in a notebook when ``on_chunk`` is None), store it and return it.

        ``config`` may be a `Config`, a dict of its fields, or short forms (``{"model": ...,
        "thinking": 4096}``). A trial that does not finish raises `TrialError` (its ``trial`` is the
        failed, stored `Trial`); sweeps keep such trials as rows with ``status="error"`` instead.
        """
        with self._capabilities():
            [spec] = build_specs(experiment, self.backend.key, normalise_tasks([prompt_or_task]),
                                 normalise_configs([config]), repeats=1)
        callback = on_chunk if on_chunk is not None else _live_display()

        async def go() -> Trial:
            runner = self._runner(1)
            runner.on_chunk = callback
            try:
                return await runner.play(spec)
            finally:
                await runner.client.close()

        trial = run_sync(go)
        if trial.status == "error":
            raise TrialError(
                f"the trial on {trial.model} via {self.backend_name} ({self.backend.reason}) failed: "
                f"{trial.error_type}: {trial.error_message} (stored with status='error'; the error's .trial has it)",
                trial=trial,
            )
        return trial

    def sweep(self, tasks: Iterable[Any] | Any, configs: Iterable[Config | dict[str, Any]] | Config, repeats: int = 1,
              name: str = "sweep", concurrency: int = 8, via: Literal["stream", "batch"] = "stream",
              retry_errors: bool = False, progress: bool | None = None, poll_interval: float = 5.0) -> Any:
        """Run configs x tasks x repeats; one row per trial, cached rows served from the store."""
        if not name or not isinstance(name, str):
            raise ConfigError("sweep needs a non-empty name")
        if not isinstance(repeats, int) or repeats < 1:
            raise ConfigError(f"repeats must be a positive integer, got {repeats!r}")
        if not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigError(f"concurrency must be a positive integer, got {concurrency!r}")
        if via not in ("stream", "batch"):
            raise ConfigError(f"via must be 'stream' or 'batch', not {via!r}")
        if via == "batch" and self.backend.platform is not None:
            raise ConfigError(f"via='batch' needs the Message Batches API, which the SDK's {self.backend.platform} "
                              "client does not offer: use via='stream'")  # fmt: skip
        with self._capabilities():
            specs = build_specs(name, self.backend.key, normalise_tasks(tasks), normalise_configs(configs), repeats)
        specs = list({s.key: s for s in specs}.values())  # the same trial listed twice runs once
        self.store.add_experiment(name, {"backend": self.backend_name, "endpoint": self.backend.endpoint,
                                         "repeats": repeats, "via": via})  # fmt: skip
        done = self.store.finished_keys(name, include_errors=not retry_errors)  # keys only: no row is read
        # a trial stored ok under another experiment is copied, not requested again
        elsewhere = self.store.latest_ok(spec.key for spec in specs if spec.key not in done)
        todo = [spec for spec in specs
                if spec.key not in done and not (spec.key in elsewhere and self._copy_cached(spec))]  # fmt: skip
        if todo and via == "batch":
            from labkit.lab._batches import run_batches

            run_batches(self.backend, self.store, todo, finish=lambda spec, turns: finish_trial(
                self.backend_name, spec, turns, batch=True, endpoint=self.backend.endpoint),
                poll_interval=poll_interval, progress=progress)
        fresh = {s.key for s in todo}
        if todo and via != "batch":
            cached = len(specs) - len(todo)
            fresh = run_sync(lambda: self._play(todo, concurrency, progress, cached))  # not what others ran
        return _sweep_frame(self.results(name), [s.key for s in specs], fresh)

    async def _play(self, todo: list[TrialSpec], concurrency: int, progress: bool | None, cached: int) -> set[str]:
        """Run ``todo`` and close the client inside the loop (its connections die with the loop). Trials
        are claimed first (`labkit.lab._leases`): another process sweeping the same store pays for none twice."""
        runner = self._runner(concurrency)
        runner.leases = Leases(self.store, new_owner(), since=datetime.now(UTC).isoformat())
        try:
            await runner.run(todo, progress=progress, cached=cached, keep=False)  # rows come from the store
            return runner.fresh
        finally:
            await runner.client.close()

    def _copy_cached(self, spec: TrialSpec) -> bool:
        """Copy an ok trial with the same key from another experiment into this one (cached=True)."""
        stored = self.store.get_trial(spec.key)
        if stored is None or stored.row.get("status") != "ok":
            return False
        trial = replace(stored.trial(), experiment=spec.experiment, cached=True)
        self.store.put_trial(spec.experiment, trial, params=stored.params, knobs=stored.knobs,
                             events=stored.events, completion=stored.completion)
        return True

    # -- reading ---------------------------------------------------------------------------------

    def results(self, name: str | None = None) -> Any:
        """One row per stored trial (of experiment ``name``, or all): from the Parquet copy kept beside
        the store while it matches the store (`labkit.lab._frame_cache`), else from its plain row columns."""
        from labkit.lab._frame_cache import cached_results

        return cached_results(self.store, name)

    def tokens(self, name: str | None = None, sources: Iterable[str] = TOKEN_SOURCES) -> Any:
        """Long format: one row per trial x token category, with the number's ``source``.

        ``sources`` picks the kinds of rows. ``reported``: the five categories from the usage the API
        reported (thinking / visible output carry the row's ``tokens_source``, "estimated" when the
        API gave no thinking count). ``count_tokens`` and ``estimated``: an ``input`` row per finished
        single-turn trial, its stored request counted by the backend's ``count_tokens`` and by
        labkit's local estimate. Each distinct request is counted once and the answer kept in the
        store, so asking again (or after ``rederive``) sends nothing.
        """
        from labkit.lab._frames import tokens_frame

        wanted = _token_sources(sources)
        extra = self._input_sources(name, wanted) if wanted - {"reported"} else {}
        return tokens_frame(self.store.rows(name), extra, usage="reported" in wanted)

    def _input_sources(self, name: str | None, wanted: set[str]) -> dict[str, dict[str, int]]:
        """``{trial_key: {"count_tokens": n, "estimated": m}}`` for finished single-turn trials."""
        import anthropic

        from labkit.lab._sweep_specs import count_request_key, count_tokens_kwargs
        from labkit.tokens import estimate_request

        stored = self.store.stored(name)
        requests = {item.trial_key: item.params for item in stored if item.params and _single_turn(item)}
        out: dict[str, dict[str, int]] = {key: {} for key in requests}
        if "estimated" in wanted:
            for key, params in requests.items():
                out[key]["estimated"] = estimate_request(params).total
        if "count_tokens" in wanted:
            asks = {key: count_request_key(self.backend.key, params) for key, params in requests.items()}
            known = self.store.token_counts(asks.values())
            new: dict[str, int] = {}
            client = None
            for key, ask in asks.items():
                if ask not in known and ask not in new:
                    client = client or self.backend.client(max_retries=self.max_retries)
                    try:
                        new[ask] = int(client.messages.count_tokens(**count_tokens_kwargs(requests[key])).input_tokens)
                    except anthropic.AnthropicError:  # an API error, or no count_tokens on this platform (Bedrock)
                        continue  # no count_tokens row for this trial (not cached: asked again next time)
                if (tokens := known.get(ask, new.get(ask))) is not None:
                    out[key]["count_tokens"] = tokens
            if new:
                self.store.put_token_counts(new)
        return {key: sources for key, sources in out.items() if sources}

    def estimate(self, tasks: Iterable[Any] | Any, configs: Iterable[Config | dict[str, Any]] | Config,
                 repeats: int = 1) -> Any:
        """Price a sweep before running it, one row per (config, task): input by count_tokens, catalog prices.

        ``cost_max_usd`` is the ceiling (output at ``max_tokens``); ``cost_expected_usd`` the likely cost,
        its output tokens from matching finished trials in the store, else from an emulator dry run
        (``expected_source`` says which; see `labkit.lab._expected`). Sends no ``messages.create``.
        """
        import pandas as pd

        from labkit.lab._expected import add_expected

        if not isinstance(repeats, int) or repeats < 1:
            raise ConfigError(f"repeats must be a positive integer, got {repeats!r}")
        with self._capabilities():
            specs = build_specs("estimate", self.backend.key, normalise_tasks(tasks), normalise_configs(configs), 1)
        rows = estimate_rows(self.backend.client(max_retries=self.max_retries), specs, repeats)
        add_expected(rows, specs, self.store.rows(None))
        return pd.DataFrame(rows)

    def compare(self, name: str, a: Any, b: Any, *, confidence: float = 0.95, seed: int = 0) -> Any:
        """Config ``a`` against ``b`` in experiment ``name``, paired on the tasks both finished.

        ``a`` / ``b``: a `Config`, a dict of row columns or a label / model id (each must pick one
        config). Returns a `Comparison`: accuracy ``a - b`` with a bootstrap interval over tasks and the
        exact sign test, output-token and cost differences with intervals; print it for a verdict,
        ``.frame()`` for a table. Reads the store only.
        """
        from labkit.lab._compare import compare_rows

        return compare_rows(self.store.rows(name), a, b, experiment=name, confidence=confidence, seed=seed)

    def rederive(self, name: str) -> Any:
        """Recompute every row of ``name`` from its stored events (no request), store and return them."""
        from labkit.lab._derive import rederive_rows

        rows = rederive_rows(self.store.stored(name))
        self.store.replace_rows(name, rows)
        return _frame(rows)


def _token_sources(sources: Iterable[str]) -> set[str]:
    wanted = {sources} if isinstance(sources, str) else set(sources)
    unknown = sorted(wanted - set(TOKEN_SOURCES))
    if unknown or not wanted:
        raise ConfigError(f"tokens(sources=...) takes some of {', '.join(TOKEN_SOURCES)}; got {sorted(wanted)}")
    return wanted


def _single_turn(item: StoredTrial) -> bool:
    """A finished trial whose stored (first) request is all its reported input counted."""
    if not item.params or not item.params.get("messages") or item.row.get("output_tokens") is None:
        return False
    return not any(int(event.get("turn") or 0) > 0 for event in item.events)


def _frame(rows: Sequence[dict[str, Any]]) -> Any:
    from labkit.lab._frames import results_frame

    return results_frame(rows)


def _sweep_frame(frame: Any, keys: list[str], fresh: set[str]) -> Any:
    """The sweep's rows in the order of its specs; ``cached`` is True where nothing was requested now."""
    position = {key: i for i, key in enumerate(keys)}
    frame = frame[frame["trial_key"].isin(position)]
    frame = frame.iloc[frame["trial_key"].map(position).argsort(kind="stable")].reset_index(drop=True)
    frame["cached"] = (~frame["trial_key"].isin(fresh)).astype("boolean")
    return frame


def _live_display() -> Callable[[ChatCompletionChunk], None] | None:
    """A callback that streams the reply into a notebook output, or None outside Jupyter."""
    from labkit.lab._runner import in_notebook

    if not in_notebook():
        return None
    from IPython.display import Markdown, display

    thinking: list[str] = []
    answer: list[str] = []
    handle = display(Markdown(""), display_id=True)  # type: ignore[no-untyped-call]

    def on_chunk(chunk: ChatCompletionChunk) -> None:
        for choice in chunk.choices:
            if choice.delta.reasoning_content:
                thinking.append(choice.delta.reasoning_content)
            if choice.delta.content:
                answer.append(choice.delta.content)
        if handle is not None:
            quoted = "".join(thinking).replace("\n", "\n> ")
            shown = (f"> **thinking**\n>\n> {quoted}\n\n" if thinking else "") + "".join(answer)
            handle.update(Markdown(shown))  # type: ignore[no-untyped-call]

    return on_chunk
