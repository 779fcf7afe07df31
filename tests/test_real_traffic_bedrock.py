"""labkit against real recorded Amazon Bedrock traffic (tests/fixtures/real/bedrock/: Anthropic Messages on Bedrock).

Per recorded message: `to_chat_completion` keeps every block, field and usage number, and the turn
replayed through `prepare_request` is the turn Bedrock sent. Per recorded stream (the AWS
event-stream bytes Bedrock sent, served to the SDK's own ``AsyncAnthropicBedrock``): labkit's
recorder reads exactly the events inside the frames, the same whether it reads the raw frames or
the SDK's typed events (tracing on), and converts them to what `to_chat_completion` makes of the
SDK's own accumulated message; `convert_stream` handed the SDK's sync Bedrock stream gives the
same completion read raw or typed; the trial counts the tokens Bedrock's own invocation metrics
billed; and the emulator's Bedrock stream is framed like the recorded ones.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import Counter
from typing import Any

import anthropic
import httpx2
import pytest
from real_traffic import BEDROCK, BedrockRecording, bedrock_recordings, current_model, eventstream_frames
from sse_fixtures import sdk_final_message
from test_client import _traced
from test_real_traffic import _check_completion, _replayed_turn

from labkit.convert import to_chat_completion
from labkit.lab._client import stream_once

ALL = bedrock_recordings()
MESSAGES = [r for r in ALL if r.message is not None]
STREAMS = [r for r in ALL if r.eventstream is not None]


def _ids(recs: list[BedrockRecording]) -> list[str]:
    return [r.name for r in recs]


def test_the_bedrock_corpus_is_what_the_readme_says() -> None:
    readme = (BEDROCK.parent / "README.md").read_text()
    assert len(ALL) >= 20 and len(STREAMS) >= 3
    assert f"**{len(ALL)} Bedrock recordings** ({len(MESSAGES)} whole messages, {len(STREAMS)} streams)" in readme
    for repo, count in Counter(r.source["repository"] for r in ALL).items():
        assert f"| {repo} | {count} |" in readme, repo
    for r in ALL:
        assert set(r.source) == {"repository", "path", "commit", "licence", "interaction"}
        assert len(r.source["commit"]) == 40 and r.model.split(".")[-2].startswith(("anthropic", "claude"))


def test_every_recorded_bedrock_id_of_a_catalog_model_resolves() -> None:
    """Each Bedrock model id real traffic used for a model the catalog covers (the Claude 3 ones are
    retired and not in it) resolves to that model, inference-profile prefixes included."""
    from labkit.core import get_model

    current = {r.model: r.message["model"] if r.message else r.events()[0]["message"]["model"] for r in ALL
               if "claude-3" not in r.model}  # fmt: skip
    assert current  # Haiku 4.5 (eu. profile) and Opus 4.8 (us. profile)
    for bedrock_id, replied in current.items():
        assert get_model(bedrock_id, platform="bedrock").id == current_model(replied), bedrock_id


@pytest.mark.parametrize("rec", MESSAGES, ids=_ids(MESSAGES))
def test_a_bedrock_message_keeps_every_block_field_and_count(rec: BedrockRecording) -> None:
    assert rec.message is not None
    _check_completion(to_chat_completion(rec.message), rec.message)


@pytest.mark.parametrize("rec", MESSAGES, ids=_ids(MESSAGES))
def test_a_replayed_bedrock_turn_is_what_bedrock_sent(rec: BedrockRecording) -> None:
    assert rec.message is not None
    completion, sent = to_chat_completion(rec.message), rec.message["content"]
    if sent:  # an empty turn is not sent back at all (checked in test_history)
        assert json.dumps(_replayed_turn(completion, current_model(completion.model))) == json.dumps(sent)


def _bedrock(body: bytes, *, sync: bool = False, **options: Any) -> Any:
    """The SDK's own Bedrock client (async, or sync), every request answered with the recorded
    event-stream ``body``."""

    def handler(request: httpx2.Request) -> httpx2.Response:  # MockTransport serves both kinds of client
        assert request.url.path.endswith("/invoke-with-response-stream")  # the SDK's own streaming route
        return httpx2.Response(200, headers={"content-type": "application/vnd.amazon.eventstream"}, content=body)

    settings: dict[str, Any] = {
        "aws_access_key": "AKIDLABKITTEST", "aws_secret_key": "labkit-test-placeholder", "aws_region": "us-east-1",
        "base_url": "http://bedrock.local", "max_retries": 0,
    }  # fmt: skip
    transport = httpx2.MockTransport(handler)
    if sync:
        return anthropic.AnthropicBedrock(**settings, http_client=httpx2.Client(transport=transport), **options)
    return anthropic.AsyncAnthropicBedrock(**settings, http_client=httpx2.AsyncClient(transport=transport), **options)


def _params(rec: BedrockRecording) -> dict[str, Any]:
    """A request for ``rec``'s model. What is read is the recorded reply; the request only has to be
    one today's SDK sends (2024's ``temperature`` is gone from it, and the Bedrock client puts its
    own ``anthropic_version`` in)."""
    return {"model": rec.model, "max_tokens": rec.request["max_tokens"], "messages": rec.request["messages"]}


@pytest.mark.parametrize("rec", STREAMS, ids=_ids(STREAMS))
def test_a_bedrock_stream_is_recorded_and_converted_as_bedrock_sent_it(rec: BedrockRecording) -> None:
    assert rec.eventstream is not None
    params = _params(rec)
    inside = rec.events()
    assert inside[0]["type"] == "message_start" and inside[-1]["type"] == "message_stop"
    for options in ({}, {"open_telemetry": _traced()[0]}):  # raw frames, then the SDK's typed events
        record = asyncio.run(stream_once(_bedrock(rec.eventstream, **options), params))
        assert record.ok and record.error is None, record.error_message
        assert [{k: v for k, v in e.items() if k != "t"} for e in record.events] == inside
        expected = to_chat_completion(sdk_final_message(inside))
        assert record.completion is not None
        assert record.completion.choices[0].message == expected.choices[0].message
        assert record.completion.choices[0].stop_reason == expected.choices[0].stop_reason
        usage = record.completion.usage
        assert usage is not None and usage.output_tokens == next(
            e["usage"]["output_tokens"] for e in reversed(inside) if e["type"] == "message_delta")


@pytest.mark.parametrize("rec", STREAMS, ids=_ids(STREAMS))
def test_convert_stream_reads_a_real_bedrock_stream_raw_and_typed_alike(rec: BedrockRecording) -> None:
    """`convert_stream` handed the SDK's own (sync) Bedrock stream reads its frames raw; handed
    ``iter(stream)``, the SDK's typed events. Both give the completion the SDK's accumulator does."""
    from labkit.convert import accumulate, convert_stream

    assert rec.eventstream is not None
    client, params = _bedrock(rec.eventstream, sync=True), _params(rec)
    raw = convert_stream(client.messages.create(**params, stream=True)).completion()
    typed = accumulate(list(convert_stream(iter(client.messages.create(**params, stream=True)))))
    expected = to_chat_completion(sdk_final_message(rec.events()))
    assert raw.choices == typed.choices
    assert raw.choices[0].message == expected.choices[0].message
    assert raw.usage == typed.usage


@pytest.mark.parametrize("rec", STREAMS, ids=_ids(STREAMS))
def test_a_bedrock_trials_tokens_are_what_bedrock_billed(rec: BedrockRecording) -> None:
    """Bedrock bills by the counts in its own ``amazon-bedrock-invocationMetrics`` (on the recorded
    ``message_stop``); the trial labkit derives from the stream counts the same input and output."""
    from labkit.lab import Knobs
    from labkit.lab._derive import derive_trial

    events = [{**event, "t": 0.01 * i, "turn": 0} for i, event in enumerate(rec.events())]
    billed = events[-1]["amazon-bedrock-invocationMetrics"]
    # the recorded Claude 3 models are retired: any catalog model prices the trial, only its counts are checked
    trial = derive_trial(trial_key="k", backend="bedrock", model="claude-haiku-4-5", params={}, knobs=Knobs(),
                         events=events)  # fmt: skip
    row = trial.row()
    assert trial.status == "ok"
    assert (row["input_tokens"], row["output_tokens"]) == (billed["inputTokenCount"], billed["outputTokenCount"])


def test_the_emulators_bedrock_stream_is_framed_like_bedrocks() -> None:
    """The emulator's ``invoke-with-response-stream`` answer has the frames real Bedrock sent: the same
    headers on every message, a ``{"bytes": ...}`` payload, and invocation metrics with the same fields
    on ``message_stop``."""
    from labkit.emulator import Emulator

    real = eventstream_frames(STREAMS[0].eventstream)
    client = Emulator(seed=1).bedrock_client()
    body = {"max_tokens": 64, "messages": [{"role": "user", "content": "What is 2 + 2?"}]}
    with client.messages.with_streaming_response.create(model="anthropic.claude-opus-4-7", stream=True, **body) as raw:
        emulated = eventstream_frames(raw.http_response.read())
    assert {tuple(sorted(h.items())) for h, _ in emulated} == {tuple(sorted(h.items())) for h, _ in real}
    assert all(set(payload) == {"bytes"} for _, payload in emulated)

    def metrics(frames: list[tuple[dict[str, str], dict[str, Any]]]) -> set[str]:
        last = json.loads(base64.b64decode(frames[-1][1]["bytes"]))
        assert last["type"] == "message_stop"
        return set(last["amazon-bedrock-invocationMetrics"])

    assert metrics(emulated) == metrics(real) == {"inputTokenCount", "outputTokenCount", "invocationLatency",
                                                  "firstByteLatency"}  # fmt: skip
