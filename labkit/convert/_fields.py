"""Reading Anthropic shapes that arrive either as plain dicts or as the SDK's pydantic objects.

`fields_of` is the one reader every converter uses (whole messages, usage, stream events): a dict as
it is, an SDK object's fields (its ``__dict__``, read without copying: the stream path calls this
once per event, and ``isinstance`` against pydantic's metaclass would cost more than the lookup),
plus the fields its type does not declare, which the SDK keeps as pydantic extras: a field the
API sends before the SDK's type for it has one (``context_management`` on a GA ``message_delta``,
in recorded traffic) must survive as it does from a dict. `plain` makes a JSON-ready copy for
what is passed through untouched.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from labkit.core import ConversionError


def fields_of(obj: Any, what: str, *, event_index: int | None = None) -> dict[str, Any]:
    """The fields of a dict or an SDK object, as a dict (not copied); `ConversionError` naming
    ``what`` (and the stream event, when given) for anything else."""
    if type(obj) is dict:
        return obj
    fields = getattr(obj, "__dict__", None)
    if type(fields) is dict:
        extra = getattr(obj, "__pydantic_extra__", None)
        return {**fields, **extra} if extra else fields
    if isinstance(obj, dict):
        return obj
    raise ConversionError(f"{what} must be an object, got {type(obj).__name__}", event_index=event_index)


def plain(obj: Any) -> dict[str, Any]:
    """A JSON-ready dict copy of a dict or SDK object, for ``passthrough`` (unset SDK fields left out)."""
    if isinstance(obj, BaseModel):
        # warnings off: the SDK's GA union may build a block it has no type for as another model (an
        # advisor result as a TextBlock); pydantic then warns, but the dump is still what arrived
        return obj.model_dump(mode="json", by_alias=True, exclude_unset=True, warnings=False)
    if isinstance(obj, dict):
        return dict(obj)
    raise ConversionError(f"expected a dict or an SDK object, got {type(obj).__name__}")


def plain_value(obj: Any) -> Any:
    """A JSON-ready deep copy of any value read from the API (objects, lists, scalars), keeping
    exactly the keys that arrived: what a replay must send back unchanged."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json", by_alias=True, exclude_unset=True, warnings=False)
    if isinstance(obj, dict):
        return {key: plain_value(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain_value(value) for value in obj]
    return obj
