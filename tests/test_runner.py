"""The sweep engine against the in-process emulator: concurrency bound, rate-limit gate, retries, tool loop."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from labkit.emulator import Emulator, FaultPlan, LatencyProfile
from labkit.emulator.serving._transport import AsyncEmulatorTransport
from labkit.lab._client import Backend
from labkit.lab._experiment import Config
from labkit.lab._lab import Lab
from labkit.lab._runner import RateGate, exhausted_until, make_progress, retry_after
from labkit.tasks import load_tasks

PLAIN = Config(model="claude-haiku-4-5", max_tokens=256)


class _Tracked(httpx2.AsyncByteStream):
    def __init__(self, inner: Any, owner: CountingTransport) -> None:
        self.inner, self.owner, self.closed = inner, owner, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            yield chunk

    async def aclose(self) -> None:
        if not self.closed:
            self.closed = True
            self.owner.active -= 1
            await self.inner.aclose()


class CountingTransport(httpx2.AsyncBaseTransport):
    """Counts requests in flight (from sending until the body is closed) and when each started."""

    def __init__(self, emulator: Emulator) -> None:
        self.inner = AsyncEmulatorTransport(emulator.handle)
        self.active = self.peak = 0
        self.starts: list[float] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.active += 1
        self.peak = max(self.peak, self.active)
        self.starts.append(time.monotonic())
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException:
            self.active -= 1
            raise
        return httpx2.Response(response.status_code, headers=response.headers,
                               stream=_Tracked(response.stream, self), request=request)


def counting_lab(tmp_path: Path, emulator: Emulator, **lab_options: Any) -> tuple[Lab, CountingTransport]:
    transport = CountingTransport(emulator)
    backend = Backend(
        "emulator", "test emulator",
        lambda **kw: emulator.async_client(http_client=httpx2.AsyncClient(transport=transport), **kw),
        emulator.client, emulator=emulator,
    )  # fmt: skip
    return Lab(backend=backend, store=tmp_path / "runs.sqlite", **lab_options), transport


def test_concurrency_bound_is_respected(tmp_path: Path) -> None:
    emulator = Emulator(latency=LatencyProfile(ttft_s=0.005))
    lab, transport = counting_lab(tmp_path, emulator)
    frame = lab.sweep(load_tasks("arithmetic", limit=40), [PLAIN], name="bound", concurrency=4)
    assert len(frame) == 40 and set(frame["status"]) == {"ok"}
    assert transport.peak == 4, "the pool should fill up to, and never beyond, the bound"
    assert transport.active == 0
    assert emulator.counters["messages"] == 40


def test_rate_limits_pause_every_worker_and_no_trial_fails(tmp_path: Path) -> None:
    plan = FaultPlan.scripted("rate_limit", None, "rate_limit", "overloaded", None, "rate_limit", retry_after_s=0.03)
    emulator = Emulator(faults=plan)
    lab, transport = counting_lab(tmp_path, emulator)
    gates: list[RateGate] = []
    original = lab._runner

    def spy(concurrency: int) -> Any:
        runner = original(concurrency)
        gates.append(runner.gate)
        return runner

    lab._runner = spy  # type: ignore[method-assign]
    frame = lab.sweep(load_tasks("arithmetic", limit=24), [PLAIN], name="rl", concurrency=6)
    assert set(frame["status"]) == {"ok"}, frame[["status", "error_type"]]
    [gate] = gates
    assert len(gate.pauses) >= 3
    for start, end in gate.pauses:  # nobody was sent while the gate was closed
        assert not [t for t in transport.starts if start + 1e-4 < t < end - 1e-3]
    assert sum(end - start for start, end in gate.pauses) >= 0.09


def test_a_retried_trial_is_stored_once_and_billed_once(tmp_path: Path) -> None:
    task = load_tasks("arithmetic", limit=1)
    clean = Lab(backend=Emulator(), store=tmp_path / "clean.sqlite").sweep(task, [PLAIN], name="x")
    plan = FaultPlan.scripted("stream_error", "drop")
    lab = Lab(backend=Emulator(faults=plan), store=tmp_path / "faulty.sqlite", max_retries=0, retry_backoff=0)
    faulty = lab.sweep(task, [PLAIN], name="x")
    assert faulty["status"].tolist() == ["ok"]
    assert faulty["cost_usd"].tolist() == pytest.approx(clean["cost_usd"].tolist())
    assert faulty["output_tokens"].tolist() == clean["output_tokens"].tolist()
    [stored] = list(lab.store.stored("x"))
    assert stored.attempts == 1
    assert {e.get("turn", 0) for e in stored.events} == {0}


def test_exhausted_retries_record_the_error_type_and_the_sweep_goes_on(tmp_path: Path) -> None:
    plan = FaultPlan.scripted("server_error", "server_error", "server_error")
    lab = Lab(backend=Emulator(faults=plan), store=tmp_path / "s.sqlite", max_retries=0, max_attempts=3,
              retry_backoff=0)
    frame = lab.sweep(load_tasks("arithmetic", limit=3), [PLAIN], name="e", concurrency=1)
    assert frame["status"].tolist() == ["error", "ok", "ok"]
    assert frame["error_type"].tolist()[0] == "api_error"
    assert frame["cost_usd"].isna().tolist()[0]


def test_tool_tasks_play_the_tool_loop_to_the_end(tmp_path: Path) -> None:
    lab = Lab(backend=Emulator(), store=tmp_path / "t.sqlite")
    tasks = load_tasks("tool", limit=3)
    config = Config(model="claude-haiku-4-5", max_tokens=1024)
    frame = lab.sweep(tasks, [config], name="tools")
    assert set(frame["status"]) == {"ok"}, frame[["error_type", "error_message"]]
    assert (frame["tool_calls"] >= 1).all()
    assert set(frame["stop_reason"]) == {"end_turn"}
    for stored in lab.store.stored("tools"):
        assert max(e.get("turn", 0) for e in stored.events) >= 1


def test_retry_after_and_rate_limit_headers() -> None:
    assert retry_after({"retry-after-ms": "250", "retry-after": "1"}) == pytest.approx(0.25)
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({}) > 0
    reset = "2999-01-01T00:00:00+00:00"
    assert exhausted_until({"anthropic-ratelimit-requests-remaining": "0",
                            "anthropic-ratelimit-requests-reset": reset}) > 1000  # type: ignore[operator]
    assert exhausted_until({"anthropic-ratelimit-requests-remaining": "7"}) is None


def test_progress_is_quiet_when_not_interactive() -> None:
    bar = make_progress(10, None)
    assert bar.disable
    bar.close()
    loud = make_progress(10, True, cached=4)
    assert not loud.disable and loud.n == 4 and loud.total == 14
    assert loud.postfix == "cached=4, errors=0"
    loud.close()


def test_a_trial_whose_tool_turn_cannot_be_built_is_an_error_not_a_crash(tmp_path: Path) -> None:
    lab = Lab(backend=Emulator(), store=tmp_path / "t.sqlite", retry_backoff=0)
    original = lab._runner

    def broken(concurrency: int) -> Any:
        runner = original(concurrency)

        def next_turn(spec: Any, messages: Any, record: Any) -> Any:
            if spec.task.category == "tool":
                raise RuntimeError("tool exploded")
            return None

        runner.next_turn = next_turn
        return runner

    lab._runner = broken  # type: ignore[method-assign]
    tasks = [*load_tasks("tool", limit=2), *load_tasks("arithmetic", limit=2)]
    frame = lab.sweep(tasks, [Config(model="claude-haiku-4-5", max_tokens=1024)], name="boom", concurrency=2)
    assert frame["status"].tolist() == ["error", "error", "ok", "ok"]
    assert set(frame["error_type"][:2]) == {"RuntimeError"}



@pytest.mark.parametrize("inside_running_loop", [False, True])
def test_no_worker_starves_behind_a_backend_that_never_suspends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside_running_loop: bool
) -> None:
    """Regression: with the zero-latency in-process emulator one worker used to play the whole
    queue in one event-loop step while the first batch's other requests (parked on the SDK's
    first-request platform lookup in a thread) waited for the end of the sweep, recording a
    ttft of the whole sweep. Jupyter runs sweeps in a worker thread (a loop is running)."""
    import asyncio

    import labkit.lab._runner
    from labkit.lab._group_commit import GroupCommit

    stored: list[str] = []
    overtaken: list[int] = []
    stream_once = labkit.lab._runner.stream_once

    async def watched(*args: Any, **kwargs: Any) -> Any:
        before = len(stored)
        record = await stream_once(*args, **kwargs)
        overtaken.append(len(stored) - before)
        return record

    monkeypatch.setattr(labkit.lab._runner, "stream_once", watched)
    lab = Lab(backend=Emulator(), store=tmp_path / "runs.sqlite")
    put = GroupCommit.put_finished

    async def recording_put(self: GroupCommit, experiment: str, derive: Any) -> Any:
        trial = await put(self, experiment, derive)
        stored.append(trial.trial_key)  # once committed
        return trial

    monkeypatch.setattr(GroupCommit, "put_finished", recording_put)
    tasks = load_tasks("arithmetic", limit=64)

    def sweep() -> Any:
        return lab.sweep(tasks, [PLAIN], name="fair", concurrency=8)

    async def in_a_kernel() -> Any:
        return sweep()  # like a notebook cell: an event loop is already running

    frame = asyncio.run(in_a_kernel()) if inside_running_loop else sweep()
    assert len(tasks) >= 32 and len(frame) == len(tasks) == len(stored) and set(frame["status"]) == {"ok"}
    assert len(overtaken) == len(tasks)
    # Workers take turns: a request in flight sees a few trials finish (the SDK's platform lookup
    # thread needs the GIL back), never the rest of the sweep (before the fix: all but one).
    assert max(overtaken) <= len(tasks) // 2, f"a request waited while {max(overtaken)} other trials finished"
