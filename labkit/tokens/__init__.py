"""Token counting and pricing: the emulator's tokenizer, labkit's local estimate, and cost from the catalog.

Pure: no I/O, clock or randomness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "CostSplit": "labkit.tokens._cost",
    "TokenRecord": "labkit.tokens._cost",
    "TokenSource": "labkit.tokens._cost",
    "format_usd": "labkit.tokens._cost",
    "price": "labkit.tokens._cost",
    "sum_costs": "labkit.tokens._cost",
    "sum_tokens": "labkit.tokens._cost",
    "token_record": "labkit.tokens._cost",
    "TokenEstimate": "labkit.tokens._estimate",
    "estimate_request": "labkit.tokens._estimate",
    "clear_memo": "labkit.tokens._tokenizer",
    "count_request_tokens": "labkit.tokens._tokenizer",
    "count_tokens": "labkit.tokens._tokenizer",
    "tokenize": "labkit.tokens._tokenizer",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.tokens._cost import CostSplit as CostSplit
    from labkit.tokens._cost import TokenRecord as TokenRecord
    from labkit.tokens._cost import TokenSource as TokenSource
    from labkit.tokens._cost import format_usd as format_usd
    from labkit.tokens._cost import price as price
    from labkit.tokens._cost import sum_costs as sum_costs
    from labkit.tokens._cost import sum_tokens as sum_tokens
    from labkit.tokens._cost import token_record as token_record
    from labkit.tokens._estimate import TokenEstimate as TokenEstimate
    from labkit.tokens._estimate import estimate_request as estimate_request
    from labkit.tokens._tokenizer import clear_memo as clear_memo
    from labkit.tokens._tokenizer import count_request_tokens as count_request_tokens
    from labkit.tokens._tokenizer import count_tokens as count_tokens
    from labkit.tokens._tokenizer import tokenize as tokenize
