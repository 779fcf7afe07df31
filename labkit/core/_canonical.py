"""`canonical_json`: the one JSON text labkit hashes, signs and counts.

Sorted keys, no spaces, non-ASCII kept as is. Trial keys hash it, the emulator's thinking
signatures are computed over it (as UTF-8 bytes) and its tokenizer counts tool inputs and schemas
in it, so one encoding serves all three and they cannot disagree about what "the same" request is.
``default`` turns values JSON cannot encode (pydantic models, dataclasses) into ones it can.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def canonical_json(value: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """``value`` as canonical JSON text: sorted keys, compact separators, UTF-8 characters kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)
