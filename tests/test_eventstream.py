"""The AWS event-stream framing: what the emulator writes, botocore and the SDK's Bedrock decoder read."""

from __future__ import annotations

import base64
import json

import pytest
from anthropic.lib.bedrock._stream_decoder import AWSEventStreamDecoder
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from hypothesis import given
from hypothesis import strategies as st

from labkit.emulator.serving._eventstream import (
    EventStreamError,
    chunk_message,
    decode_messages,
    encode_message,
    exception_message,
)

header_names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20)
headers = st.dictionaries(header_names, st.text(max_size=60), max_size=5)


@given(headers, st.binary(max_size=400))
def test_botocore_reads_every_message_the_encoder_writes(names: dict[str, str], payload: bytes) -> None:
    wire = encode_message(names, payload)
    buffer = EventStreamBuffer()
    buffer.add_data(wire)
    [message] = list(buffer)
    assert message.headers == names and message.payload == payload
    assert decode_messages(wire) == [(names, payload)]


@given(st.lists(st.text(max_size=80), min_size=1, max_size=6), st.integers(1, 40))
def test_the_sdk_decoder_reads_chunks_split_anywhere(texts: list[str], size: int) -> None:
    events = [json.dumps({"type": "content_block_delta", "delta": {"type": "text_delta", "text": t}}) for t in texts]
    wire = b"".join(chunk_message(e) for e in events)
    pieces = [wire[i : i + size] for i in range(0, len(wire), size)]
    got = list(AWSEventStreamDecoder().iter_bytes(iter(pieces)))
    assert [(s.event, s.data) for s in got] == [("content_block_delta", e) for e in events]


def test_a_chunk_carries_the_event_as_base64_json() -> None:
    [(names, payload)] = decode_messages(chunk_message('{"type":"message_stop"}'))
    assert names == {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
    assert base64.b64decode(json.loads(payload)["bytes"]) == b'{"type":"message_stop"}'


def test_an_exception_message_becomes_the_sdks_error_event() -> None:
    [sse] = AWSEventStreamDecoder().iter_bytes(iter([exception_message("throttlingException", "slow down")]))
    assert sse.event == "error"
    assert json.loads(sse.data) == {"type": "error", "error": {"type": "throttlingException", "message": "slow down"}}


@pytest.mark.parametrize("where", [9, 20, -2])
def test_a_flipped_bit_fails_the_checksum(where: int) -> None:
    wire = bytearray(chunk_message('{"type":"ping"}'))
    wire[where] ^= 0x01
    with pytest.raises(EventStreamError, match="checksum"):
        decode_messages(bytes(wire))
    buffer = EventStreamBuffer()
    buffer.add_data(bytes(wire))
    with pytest.raises(ChecksumMismatch):
        list(buffer)


def test_truncated_and_oversized_input_is_refused() -> None:
    wire = chunk_message('{"type":"ping"}')
    with pytest.raises(EventStreamError, match="truncated"):
        decode_messages(wire[:10])
    with pytest.raises(EventStreamError, match="length"):
        decode_messages(wire + wire[:-4])
    with pytest.raises(EventStreamError, match="too long"):
        encode_message({"x": "y" * 70_000}, b"")
