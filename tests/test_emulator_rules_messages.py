"""Message rules: roles, content, block placement, tool pairing, prefill (each a 400 naming the field)."""

from __future__ import annotations

from typing import Any

import pytest
from rules_support import CALC, OLD, bad, ok, req, tool_turn

# --- messages ------------------------------------------------------------------------------------


def test_messages_required_and_non_empty() -> None:
    bad(req(messages=...), "messages: Field required")
    assert bad(req(messages=[]), "messages:") == "messages: at least one message is required"
    bad(req(messages={"role": "user"}), "messages: Input should be a valid list")


def test_empty_text_block() -> None:
    empty = [{"role": "user", "content": [{"type": "text", "text": ""}]}]
    assert bad(req(messages=empty), "messages:") == "messages: text content blocks must be non-empty"


@pytest.mark.parametrize("content", ["", []])
def test_non_final_message_needs_content(content: Any) -> None:
    bad(req(messages=[{"role": "user", "content": content}]), "messages.0: all messages must have non-empty content")


def test_final_assistant_message_may_be_empty_where_prefill_is_allowed() -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]
    assert ok(req("claude-haiku-4-5", messages=messages)) == "claude-haiku-4-5"


def test_message_shape() -> None:
    bad(req(messages=["hi"]), "messages.0: Input should be a valid dictionary or object")
    bad(req(messages=[{"role": "user"}]), "messages.0.content: Field required")
    bad(req(messages=[{"role": "user", "content": 5}]), "messages.0.content: Input should be a valid string")


def test_role_must_be_known() -> None:
    bad(req(messages=[{"role": "tool", "content": "x"}]), "messages.0.role: Input should be 'user', 'assistant' or")


def test_first_message_cannot_be_system() -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    bad(req(messages=messages), "messages.0.role: the first message cannot be a `system` message")


def test_system_message_must_follow_user() -> None:
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "system", "content": "Be brief."},
    ]
    bad(req("claude-haiku-4-5", messages=messages), "messages.2: a `system` message must follow a `user` message")
    ok_messages = [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief."}]
    assert ok(req("claude-opus-5", messages=ok_messages)) == "claude-opus-5"


def test_unknown_block_type() -> None:
    messages = [{"role": "user", "content": [{"type": "input_text", "text": "x"}]}]
    bad(req(messages=messages), "messages.0.content.0.type: Input tag 'input_text' found using 'type'")


def test_blocks_only_in_their_roles() -> None:
    tool_use = {"type": "tool_use", "id": "t", "name": "calc", "input": {}}
    bad(req(messages=[{"role": "user", "content": [tool_use]}]), "messages.0.content.0.type: `tool_use` blocks")
    result = {"type": "tool_result", "tool_use_id": "t"}
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [result]}]
    bad(req("claude-haiku-4-5", messages=messages), "messages.1.content.0.type: `tool_result` blocks")


def test_document_in_assistant_message_under_2026_10_21() -> None:
    doc = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [doc, {"type": "text", "text": "ok"}]},
        {"role": "user", "content": "More"},
    ]
    bad(req("claude-haiku-4-5", messages=messages), "messages.1.content.0: `document` blocks are not allowed")
    assert ok(req("claude-haiku-4-5", messages=messages), OLD) == "claude-haiku-4-5"


def test_user_citations_under_2026_10_21() -> None:
    cited = {"type": "text", "text": "x", "citations": [{"type": "char_location", "cited_text": "x"}]}
    bad(req(messages=[{"role": "user", "content": [cited]}]), "messages.0.content.0.citations:")
    assert ok(req(messages=[{"role": "user", "content": [{**cited, "citations": None}]}])) == "claude-opus-5-5"


def test_tool_use_needs_a_tool_result_next() -> None:
    body = tool_turn(req("claude-opus-4-8", tools=[CALC]), thinking=None)
    body["messages"][-1] = {"role": "user", "content": "never mind"}
    bad(body, "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1")


def test_tool_result_needs_a_tool_use_before() -> None:
    body = tool_turn(req("claude-opus-4-8", tools=[CALC]), thinking=None)
    body["messages"][-1]["content"].append({"type": "tool_result", "tool_use_id": "toolu_other", "content": "?"})
    bad(body, "messages.2: unexpected `tool_use_id` found in `tool_result` blocks: toolu_other")


def test_tool_use_block_shape() -> None:
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "calc", "input": "2+2"}]},
    ]
    bad(req("claude-haiku-4-5", messages=messages), "messages.1.content.0.input: Input should be a valid dictionary")


def test_prefill_rejected_where_unsupported() -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "<answer>"}]
    message = bad(req(messages=messages), "This model does not support assistant message prefill.")
    assert message.endswith("The conversation must end with a user message.")
    assert ok(req("claude-sonnet-4-5", messages=messages)) == "claude-sonnet-4-5"


def test_prefill_cannot_end_with_whitespace() -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "<answer> "}]
    bad(req("claude-haiku-4-5", messages=messages), "messages.1: final assistant content cannot end with trailing")
