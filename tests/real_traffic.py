"""The real-traffic corpus: recorded Anthropic responses from other projects' test cassettes.

`tests/fixtures/real/recordings/<source>/<name>.json` each hold one recorded exchange: ``source``
(repository, path, commit, licence), the ``request`` body as sent and the ``response`` body as
received (a Message object, or the SSE text of a stream). See tests/fixtures/real/README.md.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from labkit.core import UnknownModelError, get_model

RECORDINGS = Path(__file__).parent / "fixtures" / "real" / "recordings"
RETIRED_LINES = {
    "opus": "claude-opus-4-5", "sonnet": "claude-sonnet-4-5", "haiku": "claude-haiku-4-5",
    "claude-2": "claude-sonnet-4-5",
}  # fmt: skip
"""A recorded model id the catalog no longer has -> the oldest current model of its line (Claude 2
had no line name: its successor in general use was Sonnet)."""


@dataclass(frozen=True)
class Recording:
    name: str
    source: dict[str, Any]
    request: Any
    response: Any

    @property
    def streamed(self) -> bool:
        return isinstance(self.response, str)

    def events(self) -> list[dict[str, Any]]:
        return parse_sse(self.response)


def parse_sse(text: str) -> list[dict[str, Any]]:
    """The JSON data of every SSE message in ``text`` (tolerant of CRLF and blank-line runs)."""
    events = []
    for message in text.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip() for line in message.splitlines() if line.startswith("data:")]
        if data:
            events.append(json.loads("\n".join(data)))
    return events


@cache
def recordings() -> tuple[Recording, ...]:
    found = []
    for path in sorted(RECORDINGS.glob("*/*.json")):
        raw = json.loads(path.read_text())
        found.append(Recording(f"{path.parent.name}/{path.stem}", raw["source"], raw["request"], raw["response"]))
    return tuple(found)


def by_name(name: str) -> Recording:
    return next(r for r in recordings() if r.name == name)


def current_model(model_id: str) -> str:
    """``model_id`` if the catalog knows it, else the oldest current model of the same line."""
    try:
        return get_model(model_id).id
    except UnknownModelError:
        line = next((line for line in RETIRED_LINES if line in model_id), None)
        if line is None:
            raise
        return RETIRED_LINES[line]


BEDROCK = Path(__file__).parent / "fixtures" / "real" / "bedrock"


@dataclass(frozen=True)
class BedrockRecording:
    """One real Amazon Bedrock exchange (`tests/fixtures/real/gather_bedrock.py`): the Bedrock model
    id, the request body, and the response: a Message, or the recorded AWS event-stream bytes."""

    name: str
    source: dict[str, Any]
    model: str
    request: dict[str, Any]
    message: dict[str, Any] | None
    eventstream: bytes | None

    def events(self) -> list[dict[str, Any]]:
        """The Messages events inside the recorded frames (`eventstream_frames`), read here rather
        than by the SDK's decoder under test."""
        return [json.loads(base64.b64decode(payload["bytes"])) for _, payload in eventstream_frames(self.eventstream)]


def eventstream_frames(data: bytes | None) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """(string headers, JSON payload) of each AWS event-stream message in ``data``: a prelude (total
    and header lengths, checksum), headers, the payload, a checksum."""
    data, frames, at = data or b"", [], 0
    while at < len(data):
        total, length = int.from_bytes(data[at : at + 4], "big"), int.from_bytes(data[at + 4 : at + 8], "big")
        headers, cursor, end = {}, at + 12, at + 12 + length
        while cursor < end:
            size = data[cursor]
            name = data[cursor + 1 : cursor + 1 + size].decode()
            kind, cursor = data[cursor + 1 + size], cursor + 2 + size
            assert kind == 7  # every header Bedrock sends here is a string
            value_size = int.from_bytes(data[cursor : cursor + 2], "big")
            headers[name] = data[cursor + 2 : cursor + 2 + value_size].decode()
            cursor += 2 + value_size
        frames.append((headers, json.loads(data[end : at + total - 4])))
        at += total
    return frames


@cache
def bedrock_recordings() -> tuple[BedrockRecording, ...]:
    found = []
    for path in sorted(BEDROCK.glob("*/*.json")):
        raw = json.loads(path.read_text())
        stream = raw.get("eventstream")
        found.append(BedrockRecording(f"{path.parent.name}/{path.stem}", raw["source"], raw["model"], raw["request"],
                                      raw.get("response"), base64.b64decode(stream) if stream else None))  # fmt: skip
    return tuple(found)
