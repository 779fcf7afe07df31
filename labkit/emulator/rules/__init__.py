"""The API's rules as the emulator enforces them: request validation per model, thinking-block
signatures bound to their conversation prefix, and the Anthropic-shaped errors (`ApiProblem`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "api_version": "labkit.emulator.rules._base",
    "ApiProblem": "labkit.emulator.rules._problems",
    "bad_request": "labkit.emulator.rules._problems",
    "Signer": "labkit.emulator.rules._signing",
    "prefix_for": "labkit.emulator.rules._signing",
    "reply_prefix": "labkit.emulator.rules._signing",
    "check_body_size": "labkit.emulator.rules._validate",
    "validate_count_tokens_request": "labkit.emulator.rules._validate",
    "validate_messages_request": "labkit.emulator.rules._validate",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.emulator.rules._base import api_version as api_version
    from labkit.emulator.rules._problems import ApiProblem as ApiProblem
    from labkit.emulator.rules._problems import bad_request as bad_request
    from labkit.emulator.rules._signing import Signer as Signer
    from labkit.emulator.rules._signing import prefix_for as prefix_for
    from labkit.emulator.rules._signing import reply_prefix as reply_prefix
    from labkit.emulator.rules._validate import check_body_size as check_body_size
    from labkit.emulator.rules._validate import validate_count_tokens_request as validate_count_tokens_request
    from labkit.emulator.rules._validate import validate_messages_request as validate_messages_request
