"""The async sweep engine: bounded concurrency, a shared rate-limit gate, bounded retries, progress.

`Runner.run(specs)` plays every `TrialSpec` with at most ``concurrency`` requests in flight (a pool
of that many workers; a trial's tool turns run one after another inside its worker) and commits
each finished trial to the store before it counts it finished, so a killed sweep loses nothing
finished. The trials of one turn of the event loop are derived back to back and share one commit
with that turn's claims (`GroupCommit`).

Retries happen at two levels. The SDK retries failed HTTP attempts itself (``max_retries``).
Every attempt passes the `RateGate` middleware: a 429 or 529 (or a rate-limit header saying
nothing is left) pauses *all* workers until ``retry-after-ms`` / ``retry-after`` / the
``anthropic-ratelimit-*-reset`` time. When a trial still fails (SDK retries used up, or a fault
inside the stream: ``error`` event, dropped connection, stall), the runner retries the whole trial
up to ``max_attempts`` times; then the trial is stored with status "error" and its error type. A
400-class error is not retried. Only the final attempt is stored and priced, so a retried trial is
never billed twice. Nothing a single trial does can stop the sweep.

With `Leases` (what ``lab.sweep`` passes), each trial is claimed before it is requested, so
sweeps in several processes over one store pay for each trial once: a trial another live process
is running goes back to the end of the queue (the worker takes the next one) and is looked at again
after ``claim_poll_s``; once that process has stored it, its stored result is used
(`labkit.lab._leases`).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import anthropic

from labkit.lab._client import RecordedStream, stream_once, turn_events
from labkit.lab._experiment import Config
from labkit.lab._group_commit import GroupCommit
from labkit.lab._leases import Leases
from labkit.lab._store import Store
from labkit.lab._store_text import TrialInputs
from labkit.lab._trial import Trial
from labkit.lab._wire_errors import error_message_of, error_type_of

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
DEFAULT_PAUSE_S = 1.0
MAX_PAUSE_S = 60.0


@dataclass(frozen=True)
class TrialSpec:
    """One trial to run: what to send (first turn), how to score it, and its key."""

    experiment: str
    key: str
    config: Config
    params: dict[str, Any]
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None
    repeat: int
    task: Any = None
    """A `labkit.tasks.Task`, or None for a plain prompt."""
    capabilities: str = "catalog"
    """Where this trial's model checks came from ("live" or "catalog")."""


@dataclass
class SweepStats:
    """Counters a sweep reports (and tests check)."""

    total: int = 0
    done: int = 0
    cached: int = 0
    errors: int = 0
    requests: int = 0
    trial_retries: int = 0


class RateGate:
    """Shared pause for every worker; an async SDK middleware that watches each HTTP attempt."""

    def __init__(self) -> None:
        self.pause_until = 0.0
        self.attempts = 0
        """HTTP attempts that passed the gate (SDK retries included)."""
        self.pauses: list[tuple[float, float]] = []
        """(start, end) monotonic times of each pause, for reports and tests."""

    async def wait(self) -> None:
        while (delay := self.pause_until - time.monotonic()) > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        now = time.monotonic()
        until = now + min(max(seconds, 0.0), MAX_PAUSE_S)
        if until > self.pause_until:
            self.pause_until = until
            self.pauses.append((now, until))

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        if status in (429, 529):
            self.pause(retry_after(headers))
            return
        reset = exhausted_until(headers)
        if reset is not None:
            self.pause(reset)

    async def __call__(self, request: Any, call_next: Callable[[Any], Any]) -> Any:
        await self.wait()
        self.attempts += 1
        response = await call_next(request)
        self.observe(response.status_code, response.headers)
        return response


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    with contextlib.suppress(TypeError, ValueError):
        if ms is not None:
            return float(ms) / 1000.0
    value = headers.get("retry-after")
    if value is None:
        return DEFAULT_PAUSE_S
    try:
        return float(value)
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return (when - datetime.now(UTC)).total_seconds() if when else DEFAULT_PAUSE_S


RATE_LIMITS = ("requests", "tokens", "input-tokens", "output-tokens")


def exhausted_until(headers: Mapping[str, str]) -> float | None:
    """Seconds until the earliest reset of a rate limit whose ``-remaining`` header is 0, else None."""
    waits = []
    for kind in RATE_LIMITS:
        remaining = headers.get(f"anthropic-ratelimit-{kind}-remaining")
        if remaining is None or remaining.strip() != "0":
            continue
        reset = headers.get(f"anthropic-ratelimit-{kind}-reset")
        with contextlib.suppress(ValueError):
            if reset:
                waits.append((datetime.fromisoformat(reset) - datetime.now(UTC)).total_seconds())
    return min(waits) if waits else None


def is_retryable(record: RecordedStream) -> bool:
    exc = record.error
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        return status in RETRYABLE_STATUS or status == 200  # 200: an error event inside the stream
    return exc is not None and not isinstance(exc, ValueError)


def in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    get = getattr(shell, "get_ipython", None)
    return bool(get is not None and type(get()).__name__ == "ZMQInteractiveShell")


def make_progress(total: int, enabled: bool | None, *, cached: int = 0) -> Any:
    """A tqdm.auto bar (done / cached / errors), quiet unless interactive (a terminal or Jupyter)
    or ``enabled`` says so. Trials served from the store count as done from the start."""
    from tqdm.auto import tqdm

    disable = not (sys.stderr.isatty() or in_notebook()) if enabled is None else not enabled
    bar = tqdm(total=total + cached, initial=cached, disable=disable, unit="trial", desc="sweep", leave=True)
    bar.set_postfix(cached=cached, errors=0, refresh=False)
    return bar


@dataclass
class Runner:
    """Plays trial specs against one async client and commits each trial to ``store``."""

    client: anthropic.AsyncAnthropic
    store: Store
    backend: str
    gate: RateGate
    finish: Callable[[TrialSpec, list[RecordedStream], int], Trial]
    """Builds the stored `Trial` from the final attempt's turns (labkit.lab via the Lab)."""
    next_turn: Callable[[TrialSpec, list[dict[str, Any]], RecordedStream], list[dict[str, Any]] | None]
    """Given the conversation so far and a turn that asked for tools, the next messages (or None)."""
    concurrency: int = 8
    max_attempts: int = 3
    max_turns: int = 8
    stall_timeout: float | None = 60.0
    retry_backoff: float = 0.5
    """Seconds before retrying a trial that failed for another reason than 429/529 (doubles each time)."""
    on_chunk: Callable[[Any], None] | None = None
    endpoint: str | None = None
    """The backend identity's endpoint, recorded on trials that fail before a reply."""
    wire: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """The backend's last touch to each turn's kwargs (`Backend.wire_params`), e.g. Bedrock's body version."""
    stats: SweepStats = field(default_factory=SweepStats)
    leases: Leases | None = None
    """Claims shared with other processes using the same store (None: this process alone)."""
    claim_poll_s: float = 0.25
    """How often a trial another process holds is looked at again."""
    fresh: set[str] = field(default_factory=set)
    """Keys of the trials this runner requested (not those another process ran meanwhile)."""
    writes: GroupCommit = field(init=False, repr=False)
    """Claims and finished trials, committed together once per turn of the event loop."""

    def __post_init__(self) -> None:
        self.writes = GroupCommit(self.store)

    async def run(
        self, specs: Sequence[TrialSpec], *, progress: bool | None = None, cached: int = 0, keep: bool = True
    ) -> list[Trial]:
        """Play ``specs`` (``cached`` more were served from the store: shown on the bar, not run).

        ``keep=False`` (what ``lab.sweep`` asks) returns nothing: each trial is dropped once it is
        stored, so memory stays flat however many trials run; `fresh` says which ones were paid for.

        Each worker yields to the event loop after every trial. A backend that answers without
        ever suspending (the in-process emulator with no latency) would otherwise let one worker
        play the whole queue in a single step while the others, parked once (e.g. on the SDK's
        first-request platform lookup in a thread), wait for the end of the sweep with their
        request's clock running: huge ``ttft_s`` for the first batch and no real concurrency.
        """
        self.stats.total = len(specs) + cached
        self.stats.cached = cached
        results: list[Trial | None] = [None] * len(specs)
        queue: asyncio.Queue[tuple[float, int]] = asyncio.Queue()  # (not before this loop time, spec index)
        for index in range(len(specs)):
            queue.put_nowait((0.0, index))
        bar = make_progress(len(specs), progress, cached=cached)
        loop = asyncio.get_running_loop()

        async def worker() -> None:
            while True:
                try:
                    not_before, index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                if not_before > loop.time():
                    await asyncio.sleep(not_before - loop.time())
                elsewhere = await self._claimed(specs[index])
                if elsewhere == "taken":  # another live process runs it: on to the next, back to this one later
                    queue.put_nowait((loop.time() + self.claim_poll_s, index))
                    continue
                trial = elsewhere if elsewhere is not None else await self._play_claimed(specs[index])
                if not trial.cached:
                    self.fresh.add(trial.trial_key)
                if keep:
                    results[index] = trial
                self.stats.done += 1
                self.stats.errors += trial.status == "error"
                bar.update(1)
                if not bar.disable:  # a hidden bar's postfix is still formatted: skip it
                    bar.set_postfix(cached=cached, errors=self.stats.errors, refresh=False)
                await asyncio.sleep(0)  # let the other workers run: see `Runner.run`

        heartbeat = asyncio.create_task(_renew(self.leases)) if self.leases is not None else None
        try:
            await asyncio.gather(*(worker() for _ in range(max(1, min(self.concurrency, len(specs))))))
        finally:
            self.writes.flush()  # a cancelled sweep still stores what finished
            bar.close()
            if heartbeat is not None:
                heartbeat.cancel()
            if self.leases is not None:
                self.leases.release_all()
        return [r for r in results if r is not None]

    async def _claimed(self, spec: TrialSpec) -> Trial | Literal["taken"] | None:
        """None once this runner holds ``spec``'s claim (or runs without leases); the stored trial when
        another process ran it; "taken" while another live process runs it."""
        if self.leases is None:
            return None
        claim = await self.writes.claim(self.leases, spec.experiment, spec.key)
        if claim == "mine":
            return None
        if claim == "done":
            stored = self.store.get_trial(spec.key, spec.experiment)
            if stored is not None:
                return replace(stored.trial(), cached=True)
        return "taken"

    async def play(self, spec: TrialSpec) -> Trial:
        """One trial, retried up to ``max_attempts``; stored before it returns. Never raises. While
        another live process holds its claim, waits for that process and returns what it stored."""
        while (elsewhere := await self._claimed(spec)) == "taken":
            await asyncio.sleep(self.claim_poll_s)
        return elsewhere if elsewhere is not None else await self._play_claimed(spec)

    async def _play_claimed(self, spec: TrialSpec) -> Trial:
        """`play` for a trial this runner holds the claim of."""
        attempt = 0
        turns: list[RecordedStream] = []
        while attempt < self.max_attempts:
            attempt += 1
            if attempt > 1:
                self.stats.trial_retries += 1
            await self.gate.wait()
            turns = await self._attempt(spec)
            last = turns[-1]
            if last.error is None or not is_retryable(last):
                break
            if isinstance(last.error, anthropic.APIStatusError) and last.error.status_code in (429, 529):
                self.gate.pause(retry_after(last.error.response.headers))
            elif self.retry_backoff > 0:
                await asyncio.sleep(self.retry_backoff * 2 ** (attempt - 1))
        owner = self.leases.owner if self.leases is not None else None  # the claim ends with the commit

        def derive() -> tuple[Trial, TrialInputs]:  # run with the other trials of this turn (`GroupCommit`)
            trial = self.finish(spec, turns, attempt)
            return trial, TrialInputs(params=spec.params, knobs=spec.config.trial_knobs().as_dict(),
                                      events=turn_events(turns), completion=trial.completion, lease_owner=owner)

        try:
            trial = await self.writes.put_finished(spec.experiment, derive)
        except Exception as exc:  # a broken row must not stop the sweep; it is stored as an error
            trial = self._failed(spec, exc)
            knobs = spec.config.trial_knobs().as_dict()
            await self.writes.put(spec.experiment, trial, params=spec.params, knobs=knobs, events=[], lease_owner=owner)
        return trial

    async def _attempt(self, spec: TrialSpec) -> list[RecordedStream]:
        turns: list[RecordedStream] = []
        messages, params = list(spec.messages), dict(spec.params)
        for _ in range(self.max_turns):
            self.stats.requests += 1
            sent = self.wire(params) if self.wire is not None else params
            record = await stream_once(self.client, sent, inner_thoughts=spec.config.inner_thoughts,
                                       on_chunk=self.on_chunk, stall_timeout=self.stall_timeout,
                                       convert=self.on_chunk is not None)
            turns.append(record)
            if not record.ok:
                break
            try:
                following = self.next_turn(spec, messages, record)
                if following is None:
                    break
                messages = following
                params = spec.config.prepare(messages, spec.tools)
            except Exception as exc:  # a tool or a follow-up request that cannot be built ends the trial
                record.error, record.error_type, record.error_message = exc, error_type_of(exc), error_message_of(exc)
                break
        return turns

    def _failed(self, spec: TrialSpec, exc: Exception) -> Trial:
        return Trial(
            trial_key=spec.key, backend=self.backend, model=spec.config.model, experiment=spec.experiment,
            knobs=spec.config.trial_knobs(),
            task_id=getattr(spec.task, "id", None), category=getattr(spec.task, "category", None),
            repeat=spec.repeat, status="error", error_type=error_type_of(exc), error_message=error_message_of(exc),
            created_at=datetime.now(UTC).isoformat(), endpoint=self.endpoint, capabilities=spec.capabilities,
        )  # fmt: skip


async def _renew(leases: Leases) -> None:
    """Keep a runner's claims alive while it runs (a dead process's claims expire instead)."""
    while True:
        await asyncio.sleep(leases.lease_s / 3)
        leases.renew()
