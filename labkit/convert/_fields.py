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


def _dumped(obj: BaseModel) -> Any:
    """An SDK object as the JSON that arrived: its set fields and extras, by their wire names."""
    # warnings off: the SDK's GA union may build a block it has no type for as another model (an
    # advisor result as a TextBlock); pydantic then warns, but the dump is still what arrived
    return obj.model_dump(mode="json", by_alias=True, exclude_unset=True, warnings=False)


def plain(obj: Any) -> dict[str, Any]:
    """A JSON-ready dict copy of a dict or SDK object, for ``passthrough`` (unset SDK fields left out)."""
    if isinstance(obj, BaseModel):
        dumped: dict[str, Any] = _dumped(obj)
        return dumped
    if isinstance(obj, dict):
        return dict(obj)
    raise ConversionError(f"expected a dict or an SDK object, got {type(obj).__name__}")


def plain_value(obj: Any) -> Any:
    """A JSON-ready deep copy of any value read from the API (objects, lists, scalars), keeping
    exactly the keys that arrived: what a replay must send back unchanged.

    Raises:
        ConversionError: a value that contains itself, or nests too deep to copy: no JSON the API
            sends is either (a Python caller can build both).
    """
    try:
        return _copied(obj, set())
    except RecursionError:
        raise ConversionError("a value nests too deep to copy (no API response does)") from None


def _copied(obj: Any, open_ids: set[int]) -> Any:
    """`plain_value` below one level; ``open_ids``: the containers being copied around this one."""
    if isinstance(obj, BaseModel):
        return _dumped(obj)
    if not isinstance(obj, dict | list | tuple):
        return obj
    if id(obj) in open_ids:
        raise ConversionError(f"a {type(obj).__name__} contains itself (no API response does)")
    open_ids.add(id(obj))
    try:
        if isinstance(obj, dict):
            return {key: _copied(value, open_ids) for key, value in obj.items()}
        return [_copied(value, open_ids) for value in obj]
    finally:
        open_ids.discard(id(obj))
