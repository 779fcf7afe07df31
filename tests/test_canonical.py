"""labkit.core._canonical: one JSON text for keys, signatures and token counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from hypothesis import given
from hypothesis import strategies as st

from labkit.core import canonical_json

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=20)  # fmt: skip


def test_sorted_compact_and_unicode_kept() -> None:
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'


@given(st.dictionaries(st.text(), JSON, max_size=6))
def test_key_order_never_changes_the_text(value: dict[str, object]) -> None:
    assert canonical_json(dict(reversed(list(value.items())))) == canonical_json(value)


def test_default_encodes_what_json_cannot() -> None:
    @dataclass
    class Point:
        x: int

    assert canonical_json({"p": Point(1)}, default=asdict) == '{"p":{"x":1}}'
