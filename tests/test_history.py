"""Direct tests for labkit.convert._history.MessageRenderer (prepare_request's behaviour is in test_request.py)."""

from __future__ import annotations

from typing import Any

import pytest

from labkit.convert._history import DUMMY_USER_MESSAGE, MessageRenderer
from labkit.convert._response import compose_reasoning
from labkit.core._catalog import get_model
from labkit.core._configs import InnerThoughts
from labkit.core._errors import ConfigError
from labkit.core._wire import ChatMessage


def render(
    messages: list[dict[str, Any]], *, model: str = "claude-opus-4-7", strategy: InnerThoughts | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str], list[str]]:
    dropped: dict[str, str] = {}
    notes: list[str] = []
    renderer = MessageRenderer(get_model(model), strategy or InnerThoughts(), dropped, notes)
    system, out = renderer.render([ChatMessage.model_validate(m) for m in messages])
    return system, out, dropped, notes


def test_system_blocks_returned_separately() -> None:
    system, out, _, _ = render([{"role": "system", "content": "S"}, {"role": "user", "content": "u"}])
    assert system == [{"type": "text", "text": "S"}]
    assert out == [{"role": "user", "content": [{"type": "text", "text": "u"}]}]


def test_empty_system_message_adds_nothing() -> None:
    system, _, _, _ = render([{"role": "system", "content": ""}, {"role": "user", "content": "u"}])
    assert system == []


def test_system_image_refused() -> None:
    part = {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
    with pytest.raises(ConfigError, match=r"messages\[0\]\.content\[0\].*text only"):
        render([{"role": "system", "content": [part]}, {"role": "user", "content": "u"}])


def test_native_user_blocks_pass_through() -> None:
    doc = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "d"}}
    _, out, _, _ = render([{"role": "user", "content": [doc, {"type": "text", "text": "summarise"}]}])
    assert out[0]["content"] == [doc, {"type": "text", "text": "summarise"}]


def test_empty_text_parts_skipped() -> None:
    _, out, _, _ = render([{"role": "user", "content": [{"type": "text", "text": ""}, {"type": "text", "text": "x"}]}])
    assert out[0]["content"] == [{"type": "text", "text": "x"}]


def test_fields_a_role_does_not_carry_are_reported() -> None:
    _, _, dropped, _ = render([{"role": "user", "content": "u", "reasoning_content": "r", "tool_call_id": "c"}])
    assert set(dropped) == {"messages[0].reasoning_content", "messages[0].tool_call_id"}


def test_thoughts_that_cannot_be_told_from_native_thinking_are_not_duplicated() -> None:
    message = {
        "role": "assistant",
        "content": "a",
        "reasoning_content": "edited by hand",
        "thinking_blocks": [{"type": "thinking", "thinking": "visible", "signature": "s"}],
    }
    _, out, _, notes = render(
        [{"role": "user", "content": "u"}, message, {"role": "user", "content": "v"}],
        strategy=InnerThoughts(strategy="xml"),
    )
    assert out[1]["content"] == [
        {"type": "thinking", "thinking": "visible", "signature": "s"},
        {"type": "text", "text": "a"},
    ]
    assert notes == []


def test_xml_thoughts_after_native_thinking_are_wrapped() -> None:
    message = {
        "role": "assistant",
        "content": "a",
        "reasoning_content": compose_reasoning(["visible"], "tagged thoughts"),
        "thinking_blocks": [{"type": "thinking", "thinking": "visible", "signature": "s"}],
    }
    _, out, _, _ = render(
        [{"role": "user", "content": "u"}, message, {"role": "user", "content": "v"}],
        model="claude-fable-5-2",
        strategy=InnerThoughts(strategy="xml", tag="t"),
    )
    assert [b.get("text", b["type"]) for b in out[1]["content"]] == ["thinking", "<t>tagged thoughts</t>", "a"]


def test_kwargs_thoughts_without_tool_call_are_noted() -> None:
    _, out, _, notes = render(
        [
            {"role": "user", "content": "u"},
            {"role": "assistant", "content": "a", "reasoning_content": "r"},
            {"role": "user", "content": "v"},
        ],
        strategy=InnerThoughts(strategy="kwargs"),
    )
    assert out[1]["content"] == [{"type": "text", "text": "a"}]
    assert any("no tool call" in n for n in notes)


def test_assistant_native_blocks_pass_through() -> None:
    server = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}}
    _, out, _, _ = render(
        [{"role": "user", "content": "u"}, {"role": "assistant", "content": [server]}, {"role": "user", "content": "v"}]
    )
    assert out[1]["content"] == [server]


def test_only_dummy_when_no_turns() -> None:
    _, out, _, notes = render([])
    assert out == [{"role": "user", "content": [{"type": "text", "text": DUMMY_USER_MESSAGE}]}]
    assert len(notes) == 1


def test_assistant_image_refused_naming_the_place() -> None:
    part = {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
    with pytest.raises(ConfigError, match=r"messages\[1\]\.content\[0\].*an assistant message"):
        render(
            [
                {"role": "user", "content": "u"},
                {"role": "assistant", "content": [part]},
                {"role": "user", "content": "v"},
            ]
        )


def test_text_part_keeps_anthropic_keys_and_reports_others() -> None:
    part = {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}, "annotations": []}
    _, out, dropped, _ = render([{"role": "user", "content": [part]}])
    assert out[0]["content"] == [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}]
    assert dropped == {"messages[0].content[0].annotations": "not a field of an Anthropic text block"}
