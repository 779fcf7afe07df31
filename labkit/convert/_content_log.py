"""The stream converter's record of each content block as the API sends it.

A completion's OpenAI view cannot say in which order text, thinking and tool blocks came, nor
hold a server tool's call and result; replaying a turn needs both. `labkit.convert.StreamConverter`
keeps one record per block (the ``content_block_start`` shell) and these functions fill it in from
what streamed into the block, the way the SDK's own accumulator builds its message: text and
thinking joined, the signature, citations appended, a tool's input JSON parsed, a compaction summary set. They also keep
the message-level fields a ``message_start`` or ``message_delta`` carries. Pure: no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.convert._arguments import parse_arguments
from labkit.convert._chunks import Block, at_event, string_at
from labkit.convert._fields import plain_value

if TYPE_CHECKING:
    from labkit.convert._accumulate import Accumulator

__all__ = ["MESSAGE_FIELDS", "final_fields", "finish_record", "keep_message_fields", "log_delta"]

MESSAGE_FIELDS = ("stop_details", "container", "context_management")
"""Message-level fields kept from a stream (``message_delta`` values replace ``message_start`` ones)."""


def keep_message_fields(kept: dict[str, Any], *sources: dict[str, Any]) -> None:
    """Copy into ``kept`` every non-null message-level field of ``sources`` (a later one wins)."""
    for source in sources:
        for name in MESSAGE_FIELDS:
            value = source.get(name)
            if value is not None:
                kept[name] = plain_value(value)


def log_delta(block: Block, kind: Any, delta: dict[str, Any], index: int) -> None:
    """Record what a passed-through delta adds to its block: a citation, or a server tool's input JSON."""
    if kind == "citations_delta" and block.kind == "text":
        cited = block.record.get("citations") or []
        block.record["citations"] = [*cited, plain_value(delta.get("citation"))]
    elif kind == "input_json_delta" and block.json_parts is not None:
        block.json_parts.append(string_at(delta.get("partial_json"), "input_json_delta.partial_json", index))
    elif kind == "compaction_delta" and block.record.get("type") == "compaction":
        # the summary arrives whole in one delta, which sets it (the SDK's beta accumulator does the same)
        block.record["content"] = plain_value(delta.get("content"))
        block.record["encrypted_content"] = plain_value(delta.get("encrypted_content"))


def finish_record(block: Block, so_far: Accumulator, index: int) -> None:
    """Fill in a stopped block's record from what streamed into it (tool_use records are filled
    by the converter, which parses their input anyway)."""
    record = block.record
    if block.kind == "text":
        parts = block.raw if block.raw is not None else so_far.content[block.first_part :]
        record["text"] = "".join(parts)
    elif block.kind == "thinking":
        thinking = so_far.thinking[block.ordinal]
        record["thinking"], record["signature"] = "".join(thinking.text), thinking.signature
    elif block.json_parts:
        record["input"] = at_event(index, parse_arguments, "".join(block.json_parts))


def final_fields(
    kept: dict[str, Any], content: list[dict[str, Any]] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the final chunk's choice fields, its chunk fields): ``stop_details`` goes on the choice, the
    other message-level fields and the recorded ``content`` (None: not recorded) on the chunk."""
    fields = dict(kept)
    choice = {"stop_details": fields.pop("stop_details")} if "stop_details" in fields else {}
    if content is not None:
        fields["anthropic_content"] = content
    return choice, fields
