"""Message Batches through the SDK: create -> in_progress, ends when read back, JSONL results from
an absolute ``results_url`` (in process and over loopback HTTP), errored and canceled items,
list paging, delete, and the 400s for misuse."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2
import pytest

from labkit.emulator import Emulator
from labkit.emulator.serving._server import serve_in_thread
from labkit.emulator.serving._transport import EmulatorTransport

QUESTION = [{"role": "user", "content": "What is 6 times 7?"}]


def item(custom_id: str, **params: Any) -> dict[str, Any]:
    return {"custom_id": custom_id, "params": {"model": "claude-haiku-5-5", "max_tokens": 2048,
                                               "messages": QUESTION, **params}}


def test_batch_lifecycle_and_results() -> None:
    emu = Emulator(seed=4)
    client = emu.client(max_retries=0)
    batch = client.messages.batches.create(requests=[
        item("ok-1"), item("ok-2", model="claude-opus-5-5"), item("bad-model", model="claude-nope-1"),
        item("bad-budget", model="claude-sonnet-4-6", thinking={"type": "enabled", "budget_tokens": 10}),
    ])  # type: ignore[list-item]
    assert batch.id.startswith("msgbatch_") and batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 4 and batch.results_url is None
    assert (batch.expires_at - batch.created_at).total_seconds() == 24 * 3600
    done = client.messages.batches.retrieve(batch.id)
    assert done.processing_status == "ended" and done.ended_at is not None
    counts = done.request_counts
    assert (counts.processing, counts.succeeded, counts.errored, counts.canceled) == (0, 2, 2, 0)
    assert done.results_url == f"http://labkit-emulator.local/v1/messages/batches/{batch.id}/results"
    results = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
    assert set(results) == {"ok-1", "ok-2", "bad-model", "bad-budget"}
    for name in ("ok-1", "ok-2"):
        ok = results[name]
        assert ok.type == "succeeded" and ok.message.usage.service_tier == "batch"
        assert ok.message.stop_reason is not None and ok.message.id.startswith("msg_synth_")
    missing = results["bad-model"]
    assert missing.type == "errored" and missing.error.error.type == "not_found_error"
    budget = results["bad-budget"]
    assert budget.type == "errored" and budget.error.error.type == "invalid_request_error"
    assert "budget_tokens" in budget.error.error.message
    assert emu.counters["batches.results"] == 1 and emu.failures == []


def test_batch_usage_matches_a_direct_request() -> None:
    direct = Emulator(seed=1).client().messages.create(**item("x")["params"])
    client = Emulator(seed=1).client()
    batch = client.messages.batches.create(requests=[item("x")])  # type: ignore[list-item]
    client.messages.batches.retrieve(batch.id)
    (line,) = list(client.messages.batches.results(batch.id))
    assert line.result.type == "succeeded"
    assert line.result.message.usage.input_tokens == direct.usage.input_tokens
    assert line.result.message.content == direct.content


def test_cancel_before_processing_cancels_every_item() -> None:
    client = Emulator().client()
    batch = client.messages.batches.create(requests=[item("a"), item("b")])  # type: ignore[list-item]
    canceling = client.messages.batches.cancel(batch.id)
    assert canceling.processing_status == "canceling" and canceling.cancel_initiated_at is not None
    ended = client.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.request_counts.canceled == 2
    assert {r.result.type for r in client.messages.batches.results(batch.id)} == {"canceled"}
    assert client.messages.batches.cancel(batch.id).processing_status == "ended"


def test_list_pages_newest_first_and_delete() -> None:
    client = Emulator().client(max_retries=0)
    ids = [client.messages.batches.create(requests=[item(f"r{i}")]).id for i in range(5)]  # type: ignore[list-item]
    assert len(set(ids)) == 5
    page = client.messages.batches.list(limit=2)
    assert [b.id for b in page.data] == ids[::-1][:2] and page.has_more
    assert [b.id for b in page] == ids[::-1]  # auto-pagination
    assert all(b.processing_status == "ended" for b in page.data)
    deleted = client.messages.batches.delete(ids[0])
    assert deleted.id == ids[0] and deleted.type == "message_batch_deleted"
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.retrieve(ids[0])


def test_misuse_is_rejected() -> None:
    emu = Emulator()
    client = emu.client(max_retries=0)
    open_batch = client.messages.batches.create(requests=[item("a")])  # type: ignore[list-item]
    with pytest.raises(anthropic.BadRequestError, match="still processing"):
        client.messages.batches.delete(open_batch.id)
    headers = {"x-api-key": "fake-test-key", "anthropic-version": "2026-10-21"}
    with httpx2.Client(transport=EmulatorTransport(emu.handle), base_url=emu.base_url) as http:
        early = http.get(f"/v1/messages/batches/{open_batch.id}/results", headers=headers)
    assert early.status_code == 400 and "has not ended" in early.json()["error"]["message"]
    cases: list[tuple[list[dict[str, Any]], str]] = [
        ([], "requests"),
        ([item("same"), item("same")], "requests.1.custom_id"),
        ([item("has space")], "requests.0.custom_id"),
        ([{**item("s"), "params": {**item("s")["params"], "stream": True}}], "requests.0.params.stream"),
    ]
    for requests, field in cases:
        with pytest.raises(anthropic.BadRequestError) as caught:
            client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        assert str(caught.value.api_message).startswith(field)


def test_results_url_points_at_the_http_server() -> None:
    emu = Emulator()
    with serve_in_thread(emu) as url:
        client = anthropic.Anthropic(api_key="fake-test-key", base_url=url, max_retries=0)
        batch = client.messages.batches.create(requests=[item("a"), item("b")])  # type: ignore[list-item]
        ended = client.messages.batches.retrieve(batch.id)
        assert ended.results_url == f"{url}/v1/messages/batches/{batch.id}/results"
        lines = list(client.messages.batches.results(batch.id))
        with httpx2.Client() as http:
            raw = http.get(ended.results_url, headers={"x-api-key": "k", "anthropic-version": "2023-06-01"})
        client.close()
    assert sorted(r.custom_id for r in lines) == ["a", "b"]
    assert [json.loads(line)["custom_id"] for line in raw.text.splitlines()] == ["a", "b"]
