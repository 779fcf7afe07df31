"""The store's text: compact JSON, secret-named keys dropped at any depth, the environment's keys redacted."""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.lab._store_text import (
    REDACTED,
    SECRET_NAMES,
    compressed,
    decompressed,
    env_secrets,
    json_text,
    scrubbed,
)
from labkit.lab._trial import SECRET_KEY, scrub

FAKE_KEY = "fake-test-key-DO-NOT-USE-0000"


@given(key=st.from_regex(r"[A-Za-z_-]{0,4}(api[-_]?key|authorization)[A-Za-z_-]{0,4}", fullmatch=True))
def test_secret_fast_path_sees_every_secret_key_spelling(key: str) -> None:
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(key))
    assert SECRET_KEY.search(mixed)
    assert any(name in mixed.lower() for name in SECRET_NAMES)
    assert scrub({mixed: FAKE_KEY, "kept": 1}) == {"kept": 1}
    assert json.loads(scrubbed(json.dumps({"outer": {mixed: FAKE_KEY}, "kept": 1}), ())) == {
        "outer": {}, "kept": 1}


def test_the_environments_keys_are_redacted_and_short_values_are_not_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "short")
    assert env_secrets() == (FAKE_KEY,)
    text = json_text({"note": f"sent with {FAKE_KEY}", "short": "short"})
    assert json.loads(text) == {"note": f"sent with {REDACTED}", "short": "short"}
    assert scrubbed(f'"{FAKE_KEY}"', ()) == f'"{FAKE_KEY}"'  # the secrets given win over the environment's


def test_stored_text_is_the_same_json_as_before_and_odd_values_still_store() -> None:
    value = {"b": [1, 2.5, None, "é"], "a": {"nested": True}, "when": Path("/x"), "raw": b"\xff", "nan": math.nan}
    text = json_text(value)
    parsed = json.loads(text)
    assert parsed["b"] == [1, 2.5, None, "é"] and parsed["a"] == {"nested": True} and parsed["when"] == "/x"
    assert "\\xff" in parsed["raw"] and math.isnan(parsed["nan"])  # bytes that are not UTF-8: str(), as json did
    plain = {"x": [1, {"y": "z"}], "n": 1e-05}
    assert json.loads(json_text(plain)) == plain


REPEATED = st.builds(lambda piece, times: piece * times, st.text(max_size=60), st.integers(1, 2000))


@given(text=st.text(max_size=3000) | REPEATED)
def test_events_compress_with_a_window_that_fits_and_any_zlib_reader_reads_them(text: str) -> None:
    blob = compressed(text)
    assert decompressed(blob) == text
    assert zlib.decompress(blob).decode("utf-8") == text  # what stores written before this read with
    default = zlib.compress(text.encode("utf-8"), 1)
    assert len(blob) <= len(default) * 1.05 + 16  # about what the default window gives (tiny texts vary most)


def test_older_blobs_still_read() -> None:
    events = json.dumps([{"type": "message_stop", "t": 0.5}])
    assert json.loads(decompressed(zlib.compress(events.encode("utf-8"), 1))) == [{"type": "message_stop", "t": 0.5}]
