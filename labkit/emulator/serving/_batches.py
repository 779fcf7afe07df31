"""Message Batches: create, retrieve, list, cancel, delete and JSONL results.

Processing is deterministic and needs no clock or background thread: a batch is created
``in_progress`` and **ends the first time it is read back** (retrieve or list). Then every item
runs through the same core as ``POST /v1/messages`` (the ``run_item`` the store is given,
`MessagesEndpoint.batch_result`; no faults, no latency):
valid items succeed with ``usage.service_tier: "batch"``, rejected ones are ``errored`` with the
API error body; a batch cancelled before it was read back ends with every item ``canceled``.
``results_url`` is absolute and points at the base URL the request came in on, so the SDK's
``batches.results()`` (which GETs that URL) reaches the emulator. Timestamps use the wall clock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from labkit.emulator.rules import ApiProblem, bad_request
from labkit.emulator.serving._ids import IdMinter
from labkit.emulator.serving._models_api import page
from labkit.emulator.serving._sse import encode_json

RunItem = Callable[[dict[str, Any], dict[str, str]], dict[str, Any]]
"""Runs one batch item's params (with the batch's headers) to its ``result`` object."""

CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_REQUESTS = 100_000


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


@dataclass(kw_only=True)
class Batch:
    id: str
    requests: list[dict[str, Any]]
    headers: dict[str, str]
    created_at: datetime
    status: str = "in_progress"
    cancel_initiated_at: datetime | None = None
    ended_at: datetime | None = None
    results: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        tally = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if self.status != "ended":
            tally["processing"] = len(self.requests)
        for line in self.results:
            tally[line["result"]["type"]] += 1
        return tally

    def body(self, base_url: str) -> dict[str, Any]:
        ended = self.status == "ended"
        return {
            "id": self.id,
            "type": "message_batch",
            "processing_status": self.status,
            "request_counts": self.counts(),
            "created_at": _stamp(self.created_at),
            "expires_at": _stamp(self.created_at + timedelta(hours=24)),
            "ended_at": _stamp(self.ended_at),
            "cancel_initiated_at": _stamp(self.cancel_initiated_at),
            "archived_at": None,
            "results_url": f"{base_url.rstrip('/')}/v1/messages/batches/{self.id}/results" if ended else None,
        }


def _check_requests(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise bad_request("requests: Field required (a list of {custom_id, params})")
    requests: list[dict[str, Any]] = body["requests"]
    if not 1 <= len(requests) <= MAX_REQUESTS:
        raise bad_request(f"requests: a batch holds between 1 and {MAX_REQUESTS} requests, got {len(requests)}")
    seen: set[str] = set()
    for i, item in enumerate(requests):
        if not isinstance(item, dict) or not isinstance(item.get("params"), dict):
            raise bad_request(f"requests.{i}.params: Field required (an object of Messages parameters)")
        custom_id = item.get("custom_id")
        if not isinstance(custom_id, str) or not CUSTOM_ID.match(custom_id):
            raise bad_request(f"requests.{i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'")
        if custom_id in seen:
            raise bad_request(f"requests.{i}.custom_id: duplicate custom_id {custom_id!r} in this batch")
        seen.add(custom_id)
        if item["params"].get("stream"):
            raise bad_request(f"requests.{i}.params.stream: batch requests cannot stream")
    return requests


class BatchStore:
    """The batches of one emulator (thread-safe); ``run_item`` answers each item when a batch ends."""

    def __init__(self, *, ids: IdMinter, run_item: RunItem) -> None:
        self._ids, self._run_item = ids, run_item
        self._batches: dict[str, Batch] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._batches)

    def _get(self, batch_id: str) -> Batch:
        if batch_id not in self._batches:
            raise ApiProblem(404, f"message_batch: {batch_id} not found")
        return self._batches[batch_id]

    def create(self, body: Any, headers: dict[str, str], base_url: str) -> dict[str, Any]:
        requests = _check_requests(body)
        with self._lock:
            batch = Batch(id=self._ids.batch_id(), requests=requests, headers=dict(headers),
                          created_at=datetime.now(UTC))
            self._batches[batch.id] = batch
            return batch.body(base_url)

    def _finish(self, batch: Batch) -> None:
        if batch.status == "ended":
            return
        for item in batch.requests:
            canceled = batch.status == "canceling"
            result = {"type": "canceled"} if canceled else self._run_item(item["params"], batch.headers)
            batch.results.append({"custom_id": item["custom_id"], "result": result})
        batch.status, batch.ended_at = "ended", datetime.now(UTC)

    def retrieve(self, batch_id: str, base_url: str) -> dict[str, Any]:
        with self._lock:
            batch = self._get(batch_id)
            self._finish(batch)
            return batch.body(base_url)

    def list_page(self, query: dict[str, list[str]], base_url: str) -> dict[str, Any]:
        with self._lock:
            newest_first = list(reversed(self._batches.values()))
            for batch in newest_first:
                self._finish(batch)
            return page([b.body(base_url) for b in newest_first], query)

    def cancel(self, batch_id: str, base_url: str) -> dict[str, Any]:
        with self._lock:
            batch = self._get(batch_id)
            if batch.status == "in_progress":
                batch.status, batch.cancel_initiated_at = "canceling", datetime.now(UTC)
            return batch.body(base_url)

    def delete(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            batch = self._get(batch_id)
            if batch.status != "ended":
                raise bad_request(f"message_batch: {batch_id} is still processing; cancel it or wait for it to end")
            del self._batches[batch_id]
            return {"id": batch_id, "type": "message_batch_deleted"}

    def results(self, batch_id: str) -> bytes:
        with self._lock:
            batch = self._get(batch_id)
            if batch.status != "ended":
                raise bad_request(f"message_batch: {batch_id} has not ended; results are not available yet")
            return "".join(encode_json(line) + "\n" for line in batch.results).encode("utf-8")

