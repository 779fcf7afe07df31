"""Acceptance for issue 12: Bedrock and Vertex through the SDK's own clients give the Anthropic rows,
and results from different servers never share a cached row."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import anthropic
import pytest

from labkit.emulator import Emulator
from labkit.emulator.serving._server import serve_in_thread
from labkit.lab import Config, Lab
from labkit.tasks import load_tasks

IDENTITY = ("trial_key", "backend", "endpoint", "model", "capabilities", "experiment")
TIMING = ("ttft_s", "thinking_s", "answer_s", "total_s", "created_at")
MODELS = {"anthropic": "claude-opus-4-7", "bedrock": "us.anthropic.claude-opus-4-7", "vertex": "claude-opus-4-7"}


def _tasks() -> list[Any]:
    tasks = load_tasks()
    return [t for t in tasks if t.category == "arithmetic"][:2] + [t for t in tasks if t.tools][:2]


def _configs(model: str) -> list[Config]:
    """Adaptive thinking by default, and with low effort: thinking + tool-use conversations."""
    return [Config(model=model), Config(model=model, thinking={"mode": "adaptive", "effort": "low"})]


def _comparable(frame: Any) -> list[dict[str, Any]]:
    rows = frame.drop(columns=[*IDENTITY, *TIMING]).to_dict("records")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()} for row in rows]


def _sweep(backend: Any, platform: str, store: Path) -> Any:
    return Lab(backend=backend, store=store).sweep(_tasks(), _configs(MODELS[platform]), name="accept", progress=False)


def _platform_client(platform: str, url: str) -> Any:
    if platform == "bedrock":
        return anthropic.AsyncAnthropicBedrock(api_key="labkit-test-placeholder", aws_region="eu-west-1", base_url=url)
    return anthropic.AsyncAnthropicVertex(access_token="labkit-test-placeholder", region="europe-west1",
                                          project_id="labkit-tests", base_url=url + "/v1")


@pytest.fixture(scope="module")
def anthropic_rows(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _sweep(Emulator(seed=5), "anthropic", tmp_path_factory.mktemp("a") / "a.sqlite")


@pytest.mark.parametrize("platform", ["bedrock", "vertex"])
@pytest.mark.parametrize("asynchronous", [False, True])
def test_platform_sweep_in_process_gives_the_anthropic_rows(
    platform: str, asynchronous: bool, anthropic_rows: Any, tmp_path: Path
) -> None:
    emulator = Emulator(seed=5)
    client = getattr(emulator, f"{platform}_client")(asynchronous=asynchronous)
    rows = _sweep(client, platform, tmp_path / "s.sqlite")
    assert set(rows["backend"]) == {"emulator"} and set(rows["status"]) == {"ok"}  # labelled synthetic
    assert rows["tool_calls"].sum() > 0 and rows["thinking_tokens"].sum() > 0  # thinking + tool-use turns
    assert _comparable(rows) == _comparable(anthropic_rows)
    assert set(rows["endpoint"]) == {f"dialect={platform} " + (
        "region=us-east-1" if platform == "bedrock" else "region=us-east5 project=labkit-emulator") +
        f" seed=5 assumptions={emulator.assumptions.version}"}  # fmt: skip
    assert emulator.counters["bedrock.invoke" if platform == "bedrock" else "vertex.raw_predict"] == 0
    streamed = "bedrock.invoke_stream" if platform == "bedrock" else "vertex.stream_raw_predict"
    assert emulator.counters[streamed] >= len(rows)  # every turn streamed through the platform route
    assert emulator.counters["messages"] == 0


@pytest.mark.parametrize("platform", ["bedrock", "vertex"])
def test_platform_sweep_over_loopback_http_gives_the_anthropic_rows(
    platform: str, anthropic_rows: Any, tmp_path: Path
) -> None:
    emulator = Emulator(seed=5)
    with serve_in_thread(emulator) as url:
        rows = _sweep(_platform_client(platform, url), platform, tmp_path / "s.sqlite")
        again = _sweep(_platform_client(platform, url), platform, tmp_path / "s.sqlite")
    assert _comparable(rows) == _comparable(anthropic_rows) and set(rows["backend"]) == {platform}
    assert set(rows["endpoint"]) == {f"base_url={url}" + ("/v1" if platform == "vertex" else "")
                                     + (" region=eu-west-1" if platform == "bedrock"
                                        else " region=europe-west1 project=labkit-tests")}  # fmt: skip
    assert again["cached"].all() and _comparable(again.drop(columns=["cached"])) == \
        _comparable(rows.drop(columns=["cached"]))  # fmt: skip


@pytest.mark.parametrize("platform", ["anthropic", "bedrock", "vertex"])
def test_a_non_streamed_reply_is_the_anthropic_one(platform: str) -> None:
    emulator = Emulator(seed=2)
    client: Any = emulator.client() if platform == "anthropic" else getattr(emulator, f"{platform}_client")()
    message = client.messages.create(model=MODELS[platform], max_tokens=2000,
                                     messages=[{"role": "user", "content": "What is 17 * 23?"}])  # fmt: skip
    reference = Emulator(seed=2).client().messages.create(
        model="claude-opus-4-7", max_tokens=2000, messages=[{"role": "user", "content": "What is 17 * 23?"}])
    assert message.model_dump() == reference.model_dump()


@pytest.mark.parametrize("platform", ["bedrock", "vertex"])
def test_a_400_records_the_same_error_on_every_platform(platform: str) -> None:
    from labkit.lab._client import stream_once

    params = {"max_tokens": 100, "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]}

    async def record(client: Any, model: str) -> Any:
        try:
            return await stream_once(client, {**params, "model": model})
        finally:
            await client.close()

    reference = asyncio.run(record(Emulator().async_client(), MODELS["anthropic"]))
    emulator = Emulator()
    got = asyncio.run(record(getattr(emulator, f"{platform}_client")(asynchronous=True), MODELS[platform]))
    assert reference.error_type == got.error_type == "invalid_request_error"
    assert reference.error_message == got.error_message
    assert got.error_message is not None and got.error_message.startswith("Error code: 400 - messages:")
    assert isinstance(got.error, anthropic.BadRequestError)
    body = got.error.body
    if platform == "bedrock":  # Bedrock's own shape: {"message"} with the type in a header
        assert set(body) == {"message"}
        assert got.error.response.headers["x-amzn-errortype"].startswith("ValidationException:")
    else:  # Vertex passes the model's Anthropic-shaped error through
        assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"


def _keys_cached(lab: Lab, name: str) -> list[bool]:
    frame = lab.sweep(_tasks()[:2], [Config(model="claude-opus-4-7")], name=name, progress=False)
    return list(frame["cached"])


def test_two_seeds_never_share_a_row_and_a_rerun_is_fully_cached(tmp_path: Path) -> None:
    store = tmp_path / "shared.sqlite"
    first, second = Emulator(seed=1), Emulator(seed=2)
    assert _keys_cached(Lab(backend=first, store=store), "one") == [False, False]
    assert _keys_cached(Lab(backend=second, store=store), "two") == [False, False]  # not served seed 1's rows
    assert second.counters["messages"] == 2
    before = dict(first.counters)
    assert _keys_cached(Lab(backend=first, store=store), "one") == [True, True]
    assert _keys_cached(Lab(backend=first, store=store), "three") == [True, True]  # same server, other name
    assert dict(first.counters) == before  # zero requests


def test_two_base_urls_and_emulator_vs_base_url_never_share_a_row(tmp_path: Path) -> None:
    store = tmp_path / "shared.sqlite"
    one, two = Emulator(seed=1), Emulator(seed=1)
    with serve_in_thread(one) as url_one, serve_in_thread(two) as url_two:
        first = anthropic.Anthropic(api_key="labkit-test-placeholder", base_url=url_one)
        assert _keys_cached(Lab(backend=first, store=store), "one") == [False, False]
        second = anthropic.Anthropic(api_key="labkit-test-placeholder", base_url=url_two)
        assert _keys_cached(Lab(backend=second, store=store), "two") == [False, False]
        assert two.counters["messages"] == 2
        before = dict(one.counters)
        assert _keys_cached(Lab(backend=first, store=store), "one") == [True, True]
        assert dict(one.counters) == before
    in_process = Emulator(seed=1)  # the same seed, but an emulator is not the base-URL server
    assert _keys_cached(Lab(backend=in_process, store=store), "one") == [False, False]
    assert in_process.counters["messages"] == 2


def test_a_pre_4_7_model_on_bedrock_is_sent_the_legacy_version_and_gives_the_anthropic_rows(tmp_path: Path) -> None:
    configs = [Config(model="claude-sonnet-4-5", thinking={"mode": "budget", "budget_tokens": 1024}, max_tokens=4000)]
    bedrock_configs = [Config(model="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                              thinking={"mode": "budget", "budget_tokens": 1024}, max_tokens=4000)]  # fmt: skip
    reference = Lab(backend=Emulator(seed=9), store=tmp_path / "a.sqlite").sweep(_tasks(), configs, progress=False)
    emulator = Emulator(seed=9)
    rows = Lab(backend=emulator.bedrock_client(), store=tmp_path / "b.sqlite").sweep(_tasks(), bedrock_configs,
                                                                                      progress=False)  # fmt: skip
    assert set(rows["status"]) == {"ok"} and rows["thinking_tokens"].sum() > 0
    assert _comparable(rows) == _comparable(reference)
    assert emulator.counters["bedrock.invoke_stream"] >= len(rows)
