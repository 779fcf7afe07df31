"""The AWS event-stream binary framing Bedrock's ``invoke-with-response-stream`` answers in (pure).

One message on the wire::

    [total length: u32][headers length: u32][prelude CRC32: u32][headers][payload][message CRC32: u32]

big-endian; the prelude CRC covers the first 8 bytes, the message CRC everything before it.
A header is ``[name length: u8][name][type: u8][value]``; labkit only writes type 7 (a string,
``[length: u16][utf-8]``). Bedrock sends each Messages API event as a ``chunk`` event whose
JSON payload is ``{"bytes": "<base64 of the event's JSON>"}``, and a failure after HTTP 200 as an
``exception`` message (``:exception-type`` e.g. ``throttlingException``, payload
``{"message": ...}``). The SDK decodes these with botocore (`anthropic.lib.bedrock`); the tests
check that botocore parses what `encode_message` writes. `decode_messages` is a small reference
decoder (checksums verified) for tests and tools without botocore.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Mapping

from labkit.core import EmulatorError

_PRELUDE = struct.Struct(">II")
_U32 = struct.Struct(">I")
_STRING = 7
CONTENT_TYPE = "application/vnd.amazon.eventstream"


class EventStreamError(EmulatorError):
    """Bytes that are not a well-formed event-stream message (bad length or checksum)."""


def _crc(data: bytes, start: int = 0) -> int:
    return binascii.crc32(data, start) & 0xFFFFFFFF


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
    if len(raw_name) > 255 or len(raw_value) > 65535:
        raise EventStreamError(f"event-stream header {name!r} is too long")
    return bytes([len(raw_name)]) + raw_name + bytes([_STRING]) + struct.pack(">H", len(raw_value)) + raw_value


def encode_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One event-stream message with string ``headers`` and both checksums."""
    head = b"".join(_header(name, value) for name, value in headers.items())
    total = _PRELUDE.size + 4 + len(head) + len(payload) + 4
    prelude = _PRELUDE.pack(total, len(head))
    prelude += _U32.pack(_crc(prelude))
    body = prelude + head + payload
    return body + _U32.pack(_crc(body))


def chunk_message(event_json: str) -> bytes:
    """A Messages API stream event (its JSON text) as Bedrock's ``chunk`` event."""
    payload = json.dumps({"bytes": base64.b64encode(event_json.encode("utf-8")).decode("ascii")})
    headers = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}
    return encode_message(headers, payload.encode("utf-8"))


def exception_message(exception_type: str, message: str) -> bytes:
    """A failure after HTTP 200: ``:message-type: exception`` with ``{"message": ...}``."""
    headers = {":exception-type": exception_type, ":content-type": "application/json", ":message-type": "exception"}
    return encode_message(headers, json.dumps({"message": message}).encode("utf-8"))


def decode_messages(data: bytes) -> list[tuple[dict[str, str], bytes]]:
    """Every whole message in ``data`` as ``(headers, payload)``; checksums and lengths verified."""
    out: list[tuple[dict[str, str], bytes]] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < 16:
            raise EventStreamError(f"truncated event-stream message at byte {offset}")
        total, head_len = _PRELUDE.unpack_from(data, offset)
        (prelude_crc,) = _U32.unpack_from(data, offset + 8)
        if prelude_crc != _crc(data[offset : offset + 8]):
            raise EventStreamError(f"prelude checksum mismatch at byte {offset}")
        end = offset + total
        if total < 16 + head_len or end > len(data):
            raise EventStreamError(f"bad event-stream length {total} at byte {offset}")
        (message_crc,) = _U32.unpack_from(data, end - 4)
        if message_crc != _crc(data[offset : end - 4]):
            raise EventStreamError(f"message checksum mismatch at byte {offset}")
        out.append((_headers(data[offset + 12 : offset + 12 + head_len]), data[offset + 12 + head_len : end - 4]))
        offset = end
    return out


def _headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    at = 0
    while at < len(raw):
        size = raw[at]
        name = raw[at + 1 : at + 1 + size].decode("utf-8")
        at += 1 + size
        if raw[at] != _STRING:
            raise EventStreamError(f"header {name!r}: only string headers are supported, got type {raw[at]}")
        (length,) = struct.unpack_from(">H", raw, at + 1)
        headers[name] = raw[at + 3 : at + 3 + length].decode("utf-8")
        at += 3 + length
    return headers
