"""Thinking-block signatures: round trips, tamper detection, prefix binding and prefix recomputation."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.core._errors import EmulatorError
from labkit.emulator.rules._signing import Signer, canonical_bytes, prefix_for, redacted_payload, reply_prefix

KEY = b"emulator-test-key-not-a-secret!!"
BOUND = "claude-opus-5-5"
UNBOUND = "claude-sonnet-4-6"

json_leaf = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=20)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _params(system: str = "You are terse.") -> dict[str, Any]:
    return {
        "model": BOUND,
        "max_tokens": 1000,
        "system": system,
        "tools": [{"name": "calc", "description": "adds", "input_schema": {"type": "object"}}],
        "messages": [{"role": "user", "content": "What is 2+2?"}],
    }


def test_signature_verifies_for_same_block_model_and_prefix() -> None:
    signer = Signer(KEY)
    prefix = reply_prefix(_params())
    sig = signer.sign("step 1: 2+2=4", model=BOUND, prefix=prefix)
    assert signer.verify(sig, "step 1: 2+2=4", model=BOUND, prefix=prefix)
    assert signer.check(sig, "step 1: 2+2=4", model=BOUND, prefix=prefix) == "ok"


def test_signature_is_deterministic_base64() -> None:
    signer = Signer(KEY)
    prefix = reply_prefix(_params())
    first = signer.sign("x", model=BOUND, prefix=prefix)
    assert first == signer.sign("x", model=BOUND, prefix=prefix)
    assert base64.b64decode(first, validate=True)[:1] == b"\x01"


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=60), prefix=json_value, other_text=st.text(max_size=60), other_prefix=json_value)
def test_any_mutation_of_text_or_prefix_fails_on_bound_model(
    text: str, prefix: Any, other_text: str, other_prefix: Any
) -> None:
    signer = Signer(KEY)
    sig = signer.sign(text, model=BOUND, prefix=prefix)
    assert signer.verify(sig, text, model=BOUND, prefix=prefix)
    if other_text != text:
        assert signer.check(sig, other_text, model=BOUND, prefix=prefix) == "invalid"
    if canonical_bytes(_strip(other_prefix)) != canonical_bytes(_strip(prefix)):
        assert signer.check(sig, text, model=BOUND, prefix=other_prefix) == "prefix_mismatch"
    assert not signer.verify(sig, text, model="claude-fable-5-2", prefix=prefix)


def _strip(value: Any) -> Any:
    """What binds: None values and cache_control markers do not."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if v is not None and k != "cache_control"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=40), prefix=json_value, other_prefix=json_value)
def test_unbound_model_ignores_prefix_but_not_text(text: str, prefix: Any, other_prefix: Any) -> None:
    signer = Signer(KEY)
    sig = signer.sign(text, model=UNBOUND, prefix=prefix)
    assert signer.verify(sig, text, model=UNBOUND, prefix=other_prefix)
    assert not signer.verify(sig, text + "!", model=UNBOUND, prefix=prefix)
    assert not signer.verify(sig, text, model="claude-opus-4-6", prefix=prefix)


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=40), flip=st.integers(min_value=0, max_value=10_000))
def test_any_flipped_signature_byte_fails(text: str, flip: int) -> None:
    signer = Signer(KEY)
    sig = signer.sign(text, model=BOUND, prefix={"messages": []})
    raw = bytearray(base64.b64decode(sig))
    raw[flip % len(raw)] ^= 0x01
    assert not signer.verify(base64.b64encode(bytes(raw)).decode(), text, model=BOUND, prefix={"messages": []})


@pytest.mark.parametrize("bad", ["", "not base64!!", base64.b64encode(b"\x02" + b"0" * 60).decode(), "QUJD", None, 7])
def test_malformed_signatures_are_invalid(bad: object) -> None:
    assert Signer(KEY).check(bad, "t", model=BOUND, prefix={}) == "invalid"


def test_other_key_does_not_verify() -> None:
    sig = Signer(KEY).sign("t", model=BOUND, prefix={})
    assert Signer(b"another-test-key-not-a-secret!!!").check(sig, "t", model=BOUND, prefix={}) == "invalid"


def test_dated_alias_signs_as_its_model() -> None:
    signer = Signer(KEY)
    sig = signer.sign("t", model="claude-haiku-4-5-20251001", prefix={})
    assert signer.verify(sig, "t", model="claude-haiku-4-5", prefix={"other": 1})


def test_redacted_data_round_trip_carries_payload() -> None:
    signer = Signer(KEY)
    prefix = reply_prefix(_params())
    data = signer.sign_redacted(b"opaque reasoning", model=BOUND, prefix=prefix)
    assert signer.verify_redacted(data, model=BOUND, prefix=prefix)
    assert redacted_payload(data) == b"opaque reasoning"
    assert signer.check_redacted(data, model=BOUND, prefix={"x": 1}) == "prefix_mismatch"
    assert redacted_payload("%%%") is None


def test_redacted_data_is_not_a_thinking_signature() -> None:
    signer = Signer(KEY)
    data = signer.sign_redacted(b"", model=BOUND, prefix={})
    assert not signer.verify(data, "", model=BOUND, prefix={})
    assert not signer.verify_redacted(signer.sign("", model=BOUND, prefix={}), model=BOUND, prefix={})


def test_tampered_redacted_payload_is_invalid() -> None:
    signer = Signer(KEY)
    raw = base64.b64decode(signer.sign_redacted(b"abc", model=BOUND, prefix={}))
    forged = base64.b64encode(raw[:-1] + b"x").decode()
    assert signer.check_redacted(forged, model=BOUND, prefix={}) == "invalid"


def test_reply_prefix_equals_prefix_for_the_replayed_message() -> None:
    params = _params()
    earlier = [
        {"type": "thinking", "thinking": "a", "signature": "sig"},
        {"type": "tool_use", "id": "toolu_1", "name": "calc", "input": {"a": 1}},
    ]
    replayed_blocks = [
        {"type": "thinking", "thinking": "a", "signature": "sig"},
        {"type": "tool_use", "id": "toolu_1", "name": "calc", "input": {"a": 1}, "caller": None},
        {"type": "thinking", "thinking": "b", "signature": "sig2"},
    ]
    replay = {**params, "messages": [*params["messages"], {"role": "assistant", "content": replayed_blocks}]}
    assert reply_prefix(params, earlier) == prefix_for(replay, 1, 2)
    assert reply_prefix(params) == prefix_for(replay, 1, 0)


def test_prefix_normalises_sdk_round_trip_shapes() -> None:
    as_sent = {**_params(), "messages": [{"role": "user", "content": "What is 2+2?"}]}
    as_blocks = {
        **_params(),
        "system": [{"type": "text", "text": "You are terse.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "What is 2+2?", "citations": None}]}],
    }
    assert prefix_for(as_sent, 1, 0) == prefix_for(as_blocks, 1, 0)
    assert prefix_for(as_sent, 1, 0) != prefix_for(_params(system="Be verbose."), 1, 0)


def test_prefix_for_rejects_out_of_range_positions() -> None:
    with pytest.raises(EmulatorError, match="no message 5"):
        prefix_for(_params(), 5, 0)


def test_short_key_is_refused() -> None:
    with pytest.raises(EmulatorError, match="16 bytes"):
        Signer(b"short")
