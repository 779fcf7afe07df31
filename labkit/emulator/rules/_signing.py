"""Signatures of thinking blocks: HMAC-SHA256 over the block and the conversation prefix before it.

A ``thinking`` block's ``signature`` (and a ``redacted_thinking`` block's ``data``) is
``base64(version byte + block tag + bound tag + opaque payload)``:

- the *block tag* (16 bytes) covers the kind of block, the model, the thinking text and the payload;
- the *bound tag* (32 bytes) covers the same plus the conversation prefix the block was produced
  after (system, tools, earlier messages and the earlier blocks of its own assistant turn).

Models whose catalog entry has ``thinking_bound_to_prefix=False`` sign the prefix as ``None``, so only
the text and model bind. The two tags let a verifier tell an edited block ("invalid") from a block
replayed into a different conversation ("prefix_mismatch"). Canonical JSON is
``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` over a prefix from which
``None`` values and ``cache_control`` markers are removed, so an SDK round trip of a response
(``citations: null``, string vs block content) does not change it. Pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from labkit.core import EmulatorError, UnknownModelError, canonical_json, get_model

VERSION = b"\x01"
BLOCK_TAG_BYTES = 16
BOUND_TAG_BYTES = 32
_HEADER_BYTES = 1 + BLOCK_TAG_BYTES + BOUND_TAG_BYTES

Verdict = Literal["ok", "invalid", "prefix_mismatch"]
BlockKind = Literal["thinking", "redacted_thinking"]


def canonical_bytes(value: Any) -> bytes:
    """The one byte encoding every tag is computed over: `canonical_json` as UTF-8."""
    return canonical_json(value).encode("utf-8", "surrogatepass")


def _clean(value: Any) -> Any:
    """Drop ``None`` values and ``cache_control`` markers at every depth (they do not bind)."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items() if v is not None and k != "cache_control"}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _blocks(content: Any) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list | tuple):
        return list(content)
    return []


def _message(message: Any) -> dict[str, Any]:
    if not isinstance(message, Mapping):
        return {"invalid": _clean(message)}
    return {"role": message.get("role"), "content": [_clean(b) for b in _blocks(message.get("content"))]}


def prefix_for(params: Mapping[str, Any], message_index: int, block_index: int) -> Any:
    """The conversation prefix before ``messages[message_index].content[block_index]``.

    ``message_index == len(messages)`` names a new assistant reply (no earlier blocks of its own).
    """
    messages = params.get("messages") or []
    if not isinstance(messages, list | tuple) or not 0 <= message_index <= len(messages) or block_index < 0:
        raise EmulatorError(f"prefix_for: no message {message_index} / block {block_index} in this request")
    if message_index < len(messages):
        current = _message(messages[message_index])
        current["content"] = current.get("content", [])[:block_index]
    else:
        current = {"role": "assistant", "content": []}
    return {
        "system": [_clean(b) for b in _blocks(params.get("system"))],
        "tools": _clean(list(params.get("tools") or [])),
        "messages": [*(_message(m) for m in messages[:message_index]), current],
    }


def reply_prefix(params: Mapping[str, Any], earlier_blocks: Sequence[Mapping[str, Any]] = ()) -> Any:
    """The prefix of a block of a NEW reply, after ``earlier_blocks`` of that same reply.

    Equal to what `prefix_for` computes when the reply is replayed as the assistant message that
    follows the request's messages, so a renderer signs with this and the validator verifies.
    """
    messages = list(params.get("messages") or [])
    replay = {**params, "messages": [*messages, {"role": "assistant", "content": list(earlier_blocks)}]}
    return prefix_for(replay, len(messages), len(earlier_blocks))


def _binding(model: str) -> tuple[str, bool]:
    """(canonical model id, whether blocks bind to the prefix). Unknown ids bind, to be safe."""
    try:
        info = get_model(model)
    except UnknownModelError:
        return model, True
    return info.id, info.thinking_bound_to_prefix


class Signer:
    """Signs and verifies thinking blocks under one secret key (the emulator derives it from its seed)."""

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise EmulatorError("Signer key must be at least 16 bytes")
        self._key = key

    def _tags(self, kind: BlockKind, text: str, model: str, prefix: Any, payload: bytes) -> tuple[bytes, bytes]:
        model_id, bound = _binding(model)
        core = {"kind": kind, "model": model_id, "text": text, "payload": base64.b64encode(payload).decode()}
        block = hmac.new(self._key, canonical_bytes(core), hashlib.sha256).digest()[:BLOCK_TAG_BYTES]
        full = {**core, "prefix": _clean(prefix) if bound else None}
        bound_tag = hmac.new(self._key, canonical_bytes(full), hashlib.sha256).digest()[:BOUND_TAG_BYTES]
        return block, bound_tag

    def _seal(self, kind: BlockKind, text: str, model: str, prefix: Any, payload: bytes) -> str:
        block, bound = self._tags(kind, text, model, prefix, payload)
        return base64.b64encode(VERSION + block + bound + payload).decode("ascii")

    def _check(self, kind: BlockKind, token: object, text: str, model: str, prefix: Any) -> Verdict:
        raw = _decode(token)
        if raw is None:
            return "invalid"
        payload = raw[_HEADER_BYTES:]
        block, bound = self._tags(kind, text, model, prefix, payload)
        if not hmac.compare_digest(raw[1 : 1 + BLOCK_TAG_BYTES], block):
            return "invalid"
        if not hmac.compare_digest(raw[1 + BLOCK_TAG_BYTES : _HEADER_BYTES], bound):
            return "prefix_mismatch"
        return "ok"

    def sign(self, block_text: str, *, model: str, prefix: Any, payload: bytes = b"") -> str:
        """The ``signature`` of a thinking block with text ``block_text`` (``payload``: opaque extra bytes)."""
        return self._seal("thinking", block_text, model, prefix, payload)

    def check(self, signature: object, block_text: str, *, model: str, prefix: Any) -> Verdict:
        """``ok``, ``invalid`` (edited, other model, forged) or ``prefix_mismatch`` (other conversation)."""
        return self._check("thinking", signature, block_text, model, prefix)

    def verify(self, signature: object, block_text: str, *, model: str, prefix: Any) -> bool:
        return self.check(signature, block_text, model=model, prefix=prefix) == "ok"

    def sign_redacted(self, payload: bytes, *, model: str, prefix: Any) -> str:
        """The ``data`` of a redacted_thinking block: the tags followed by the opaque ``payload``."""
        return self._seal("redacted_thinking", "", model, prefix, payload)

    def check_redacted(self, data: object, *, model: str, prefix: Any) -> Verdict:
        return self._check("redacted_thinking", data, "", model, prefix)

    def verify_redacted(self, data: object, *, model: str, prefix: Any) -> bool:
        return self.check_redacted(data, model=model, prefix=prefix) == "ok"


def redacted_payload(data: str) -> bytes | None:
    """The opaque payload carried by a redacted_thinking ``data`` (None when malformed; not verified)."""
    raw = _decode(data)
    return None if raw is None else raw[_HEADER_BYTES:]


def _decode(token: object) -> bytes | None:
    if not isinstance(token, str):
        return None
    try:
        raw = base64.b64decode(token.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if len(raw) < _HEADER_BYTES or raw[:1] != VERSION:
        return None
    return raw
