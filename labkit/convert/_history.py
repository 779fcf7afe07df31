"""The message history of an OpenAI-style request rendered as Anthropic ``system`` + ``messages``.

Owns `MessageRenderer`, used by `labkit.convert.prepare_request`:
- system / developer messages (anywhere) are lifted into the top-level system prompt;
- ``tool`` messages become ``tool_result`` blocks (empty output -> ``""``, ``is_error`` kept) placed
  first in one user turn, before any user text of that turn (``[text, tool_result]`` is a 400);
- user text and ``image_url`` parts become text and image blocks (data URLs -> base64, http(s) ->
  url); Anthropic-native blocks pass through unchanged;
- an assistant turn converted from a reply (``anthropic_content``) is sent back exactly as the API
  sent it, block order, signatures and server-tool blocks included, as long as its OpenAI view
  (content, tool calls, thinking blocks, reasoning) still says what those blocks say; an edited
  turn is rebuilt from the view, with a note, and its server-tool blocks reported in ``dropped``;
- any other assistant turn is [its replayable thinking blocks, byte-exact] + [inner thoughts, per
  strategy] + [text] + [tool_use with parsed input]; kwargs thoughts go back *into* the first
  tool call's input, xml thoughts become one well-formed ``<tag>...</tag>`` text block;
- consecutive same-role turns are merged; a first non-user turn gets the dummy user message;
  a trailing assistant message is refused where the model rejects prefill; the xml prefill turn
  is appended last.

Everything not sent is reported in ``dropped`` and every change of meaning in ``notes``.
Pure: no I/O; never mutates its input.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from labkit.convert._arguments import parse_arguments
from labkit.convert._inner_thoughts import INNER_THOUGHTS_KEY
from labkit.convert._response import REASONING_SEPARATOR
from labkit.core import ChatMessage, ConfigError, ConversionError, InnerThoughts, ModelInfo

__all__ = ["DUMMY_USER_MESSAGE", "MessageRenderer"]

DUMMY_USER_MESSAGE = "User initializing bootup sequence."
_TOOL_ID = re.compile(r"[^a-zA-Z0-9_-]")
_DATA_URL = re.compile(r"^data:(?P<media>[\w.+-]+/[\w.+-]+)(?:;[^,;]*)*;base64,(?P<data>.*)$", re.DOTALL)
_IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
_TEXT_KEYS = frozenset({"type", "text", "cache_control", "citations"})
_NATIVE_USER_BLOCKS = ("image", "document", "search_result", "tool_result")
_NATIVE_ASSISTANT_BLOCKS = ("tool_use", "server_tool_use", "web_search_tool_result", "web_fetch_tool_result")
_ROLE_FIELDS = {
    "system": ("content",),
    "developer": ("content",),
    "user": ("content",),
    "tool": ("content", "tool_call_id"),
    "assistant": ("content", "tool_calls", "reasoning_content", "thinking_blocks", "anthropic_content"),
}

Turn = tuple[str, list[dict[str, Any]]]


class MessageRenderer:
    """Renders one request's messages; collects what it drops and notes into the caller's containers."""

    def __init__(self, model: ModelInfo, strategy: InnerThoughts, dropped: dict[str, str], notes: list[str]) -> None:
        self.model = model
        self.strategy = strategy
        self.dropped = dropped
        self.notes = notes
        self._call_at: dict[str, int] = {}
        self._result_at: dict[str, int] = {}
        """Message index of each tool call / tool result id, for errors in OpenAI terms."""

    def render(self, messages: list[ChatMessage]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(system prompt text blocks, Anthropic messages)."""
        system: list[dict[str, Any]] = []
        turns: list[Turn] = []
        for i, msg in enumerate(messages):
            self._report_unused_fields(i, msg)
            if msg.role in ("system", "developer"):
                system.extend(self._content_blocks(i, msg.content, text_only="the system prompt"))
                if turns:
                    self.notes.append(f"messages[{i}] ({msg.role}) lifted into the top-level system prompt")
                continue
            role = "assistant" if msg.role == "assistant" else "user"
            blocks = self._assistant(i, msg) if role == "assistant" else self._user_or_tool(i, msg)
            if not blocks:
                if role == "user":
                    raise ConfigError(f"messages[{i}]: {msg.role} message has empty content (the API rejects it)")
                self.notes.append(f"messages[{i}]: empty assistant message not sent")
                continue
            if turns and turns[-1][0] == role:
                turns[-1][1].extend(blocks)
            else:
                turns.append((role, blocks))
        self._tool_results_first(turns)
        self._check_pairing(turns)
        self._first_turn(turns)
        self._last_turn(turns, len(messages))
        return system, [{"role": role, "content": blocks} for role, blocks in turns]

    # ------------------------------------------------------------------ user and tool messages

    def _user_or_tool(self, i: int, msg: ChatMessage) -> list[dict[str, Any]]:
        if msg.role == "user":
            return self._content_blocks(i, msg.content)
        if not msg.tool_call_id:
            raise ConfigError(f"messages[{i}].tool_call_id is required on a tool message")
        content: str | list[dict[str, Any]]
        if msg.content is None or isinstance(msg.content, str):
            content = msg.content or ""
        else:
            blocks = self._content_blocks(i, msg.content)
            content = blocks if any(b["type"] != "text" for b in blocks) else "".join(b["text"] for b in blocks)
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": self._tool_id(i, msg.tool_call_id, self._result_at),
        }
        block["content"] = content
        if (msg.model_extra or {}).get("is_error"):
            block["is_error"] = True
        return [block]

    def _content_blocks(
        self, i: int, content: str | list[dict[str, Any]] | None, *, text_only: str | None = None, first: int = 0
    ) -> list[dict[str, Any]]:
        """Text / image / native blocks of one message; ``text_only`` names where only text may go."""
        if content is None or content == "":
            return []
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
        blocks: list[dict[str, Any]] = []
        for j, part in enumerate(content, start=first):
            kind = part.get("type")
            where = f"messages[{i}].content[{j}]"
            if kind == "text":
                if not isinstance(part.get("text"), str):
                    raise ConfigError(f"{where}.text must be a string")
                if part["text"]:
                    blocks.append(self._text_block(where, part))
            elif text_only:
                raise ConfigError(f"{where}: a {kind!r} part cannot go into {text_only} (text only)")
            elif kind == "image_url":
                blocks.append(self._image(where, part))
            elif kind in _NATIVE_USER_BLOCKS:
                blocks.append(copy.deepcopy(part))
            else:
                raise ConfigError(f"{where}.type={kind!r} is not supported (text, image_url or an Anthropic block)")
        return blocks

    def _text_block(self, where: str, part: dict[str, Any]) -> dict[str, Any]:
        for key in part.keys() - _TEXT_KEYS:
            self.dropped[f"{where}.{key}"] = "not a field of an Anthropic text block"
        return {key: copy.deepcopy(value) for key, value in part.items() if key in _TEXT_KEYS}

    def _image(self, where: str, part: dict[str, Any]) -> dict[str, Any]:
        spec = part.get("image_url")
        url = spec.get("url") if isinstance(spec, dict) else spec
        if not isinstance(url, str):
            raise ConfigError(f"{where}.image_url.url is required")
        if isinstance(spec, dict):
            for key in spec.keys() - {"url"}:
                self.dropped[f"{where}.image_url.{key}"] = "Anthropic image blocks have no such option"
        match = _DATA_URL.match(url)
        if match:
            media = match["media"].lower()
            if media not in _IMAGE_TYPES:
                raise ConfigError(f"{where}: image media type {media!r} is not one of {', '.join(_IMAGE_TYPES)}")
            return {"type": "image", "source": {"type": "base64", "media_type": media, "data": match["data"]}}
        if url.startswith(("https://", "http://")):
            return {"type": "image", "source": {"type": "url", "url": url}}
        raise ConfigError(f"{where}.image_url.url must be a base64 data URL or an http(s) URL")

    # ------------------------------------------------------------------ assistant messages

    def _assistant(self, i: int, msg: ChatMessage) -> list[dict[str, Any]]:
        if msg.anthropic_content is not None:
            received = self._as_received(i, msg, msg.anthropic_content)
            if received is not None:
                return received
        blocks = self._thinking_blocks(i, msg)
        thoughts = self._own_reasoning(msg)
        content = self._assistant_content(i, msg.content)
        tool_uses = self._tool_uses(i, msg)
        if thoughts:
            strategy = self.strategy.strategy
            if strategy == "kwargs" and tool_uses:
                first = tool_uses[0]
                if INNER_THOUGHTS_KEY not in first["input"]:
                    first["input"] = {INNER_THOUGHTS_KEY: thoughts, **first["input"]}
            elif strategy == "xml":
                blocks.extend(self._xml_block(thoughts, content))
            else:
                why = "this turn has no tool call" if strategy == "kwargs" else "no inner-thoughts strategy is set"
                self.notes.append(f"messages[{i}].reasoning_content not sent: no thinking blocks to replay and {why}")
        return blocks + content + tool_uses

    def _as_received(self, i: int, msg: ChatMessage, received: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """The turn's blocks exactly as the API sent them, or None (with a note) when the message's
        OpenAI view no longer matches them: the user edited it, and the edit must win."""
        from labkit.convert._response import to_chat_completion  # the response side reads blocks the same way

        strategy = InnerThoughts(strategy=self.strategy.strategy, tag=self.strategy.tag)
        try:
            view = to_chat_completion({"id": "-", "model": "-", "content": received}, inner_thoughts=strategy)
        except ConversionError as exc:
            raise ConfigError(f"messages[{i}].anthropic_content: {exc}") from None
        seen = view.choices[0].message
        same = (seen.content, seen.tool_calls, seen.thinking_blocks, seen.reasoning_content) == (
            msg.content, msg.tool_calls, msg.thinking_blocks, msg.reasoning_content
        )
        if not same:
            self.notes.append(
                f"messages[{i}] was edited after it arrived: rebuilt from content / tool_calls / thinking_blocks "
                "(the received block order is not kept)"
            )
            for j, block in enumerate(received):
                if block.get("type") not in ("text", "thinking", "redacted_thinking", "tool_use"):
                    self.dropped[f"messages[{i}].anthropic_content[{j}]"] = (
                        f"{block.get('type')} block of an edited turn (the view cannot say where it belongs)"
                    )
            return None
        for block in received:
            if block.get("type") == "tool_use":
                self._call_at[str(block.get("id"))] = i  # for the tool-result pairing check
        return copy.deepcopy(received)

    def _thinking_blocks(self, i: int, msg: ChatMessage) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        for j, tb in enumerate(msg.thinking_blocks or []):
            if tb.type == "redacted_thinking" and tb.replayable and tb.data is not None:
                blocks.append({"type": "redacted_thinking", "data": tb.data})
            elif tb.type == "thinking" and tb.replayable and tb.signature is not None:
                blocks.append({"type": "thinking", "thinking": tb.thinking or "", "signature": tb.signature})
            else:
                self.notes.append(
                    f"messages[{i}].thinking_blocks[{j}] not sent: not replayable (cut off before its signature)"
                )
        return blocks

    def _own_reasoning(self, msg: ChatMessage) -> str:
        """reasoning_content minus the visible native thinking it starts with (replayed as blocks already).

        The response side composes reasoning_content as the thinking texts, then the inner thoughts,
        joined by `REASONING_SEPARATOR` (`labkit.convert.compose_reasoning`); this is the inverse.
        """
        reasoning = msg.reasoning_content or ""
        texts = [tb.thinking for tb in msg.thinking_blocks or [] if tb.type == "thinking" and tb.thinking]
        native = REASONING_SEPARATOR.join(texts)
        if not native:
            return reasoning
        if reasoning.startswith(native):
            return reasoning[len(native) :].removeprefix(REASONING_SEPARATOR)
        return ""  # cannot tell inner thoughts from native thinking: the blocks carry it

    def _xml_block(self, thoughts: str, content: list[dict[str, Any]]) -> list[dict[str, Any]]:
        opening, closing = f"<{self.strategy.tag}>", f"</{self.strategy.tag}>"
        if any(b["type"] == "text" and opening in b["text"] for b in content):
            return []  # the thoughts are already tagged inside the content
        stripped = thoughts.strip()
        if stripped.startswith(opening) and stripped.endswith(closing):
            return [{"type": "text", "text": thoughts}]
        return [{"type": "text", "text": f"{opening}{thoughts}{closing}"}]

    def _assistant_content(self, i: int, content: str | list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        if content is None or isinstance(content, str):
            return self._content_blocks(i, content)
        blocks: list[dict[str, Any]] = []
        for j, part in enumerate(content):
            kind = part.get("type")
            if kind in _NATIVE_ASSISTANT_BLOCKS:
                blocks.append(copy.deepcopy(part))
            elif kind == "refusal":
                self.dropped[f"messages[{i}].content[{j}]"] = "OpenAI refusal parts have no Anthropic block"
            else:
                blocks.extend(self._content_blocks(i, [part], text_only="an assistant message", first=j))
        return blocks

    def _tool_uses(self, i: int, msg: ChatMessage) -> list[dict[str, Any]]:
        uses: list[dict[str, Any]] = []
        for k, call in enumerate(msg.tool_calls or []):
            try:
                tool_input = parse_arguments(call.function.arguments)
            except ConversionError as exc:
                raise ConfigError(f"messages[{i}].tool_calls[{k}].function.arguments: {exc}") from None
            uses.append(
                {
                    "type": "tool_use",
                    "id": self._tool_id(i, call.id, self._call_at),
                    "name": call.function.name,
                    "input": tool_input,
                }
            )
        return uses

    # ------------------------------------------------------------------ turns

    def _tool_id(self, i: int, tool_id: str, where: dict[str, int]) -> str:
        clean = _TOOL_ID.sub("_", tool_id)
        if clean != tool_id:
            self.notes.append(f"messages[{i}]: tool call id {tool_id!r} sent as {clean!r} (API id pattern)")
        where[clean] = i
        return clean

    def _check_pairing(self, turns: list[Turn]) -> None:
        """Every tool call answered in the next turn; every tool result answering the turn before."""
        for n, (role, blocks) in enumerate(turns):
            if role == "assistant" and n + 1 < len(turns):
                answered = {b.get("tool_use_id") for b in turns[n + 1][1] if b.get("type") == "tool_result"}
                for b in blocks:
                    if b.get("type") == "tool_use" and b["id"] not in answered:
                        raise ConfigError(
                            f"messages[{self._call_at.get(b['id'], '?')}].tool_calls: id {b['id']!r} has no tool "
                            f"message right after it (each tool call needs a tool result in the next turn)"
                        )
            if role == "user":
                before = turns[n - 1][1] if n and turns[n - 1][0] == "assistant" else []
                called = {b.get("id") for b in before if b.get("type") == "tool_use"}
                for b in blocks:
                    if b.get("type") == "tool_result" and b.get("tool_use_id") not in called:
                        raise ConfigError(
                            f"messages[{self._result_at.get(b.get('tool_use_id', ''), '?')}].tool_call_id="
                            f"{b.get('tool_use_id')!r} answers no tool call of the assistant turn before it"
                        )

    def _tool_results_first(self, turns: list[Turn]) -> None:
        for n, (role, blocks) in enumerate(turns):
            if role != "user":
                continue
            ordered = sorted(blocks, key=lambda b: b.get("type") != "tool_result")
            if ordered != blocks:
                self.notes.append(f"user turn {n}: tool results moved before the user text of the same turn")
                turns[n] = (role, ordered)

    def _first_turn(self, turns: list[Turn]) -> None:
        if not turns or turns[0][0] != "user":
            turns.insert(0, ("user", [{"type": "text", "text": DUMMY_USER_MESSAGE}]))
            self.notes.append(f"the conversation does not start with a user turn: added {DUMMY_USER_MESSAGE!r}")

    def _last_turn(self, turns: list[Turn], count: int) -> None:
        prefill = self.strategy.prefill
        if turns[-1][0] == "assistant":
            if prefill:
                raise ConfigError(
                    "inner_thoughts.prefill=True but the conversation already ends with an assistant turn"
                )
            if not self.model.prefill:
                raise ConfigError(
                    f"messages[{count - 1}]: {self.model.id} rejects a final assistant message (prefill); "
                    f"the conversation must end with a user or tool message"
                )
            last = turns[-1][1][-1]
            if last.get("type") == "text" and last["text"] != last["text"].rstrip():
                raise ConfigError(f"messages[{count - 1}]: a final assistant message cannot end with whitespace")
        if prefill:
            turns.append(("assistant", [{"type": "text", "text": f"<{self.strategy.tag}>"}]))

    def _report_unused_fields(self, i: int, msg: ChatMessage) -> None:
        used = _ROLE_FIELDS[msg.role]
        for key in ("name", "tool_calls", "tool_call_id", "reasoning_content", "thinking_blocks", "anthropic_content"):
            if key not in used and getattr(msg, key) is not None:
                self.dropped[f"messages[{i}].{key}"] = f"a {msg.role} message carries no {key} in the Messages API"
        for key, value in (msg.model_extra or {}).items():
            if value is not None and not (msg.role == "tool" and key == "is_error"):
                self.dropped[f"messages[{i}].{key}"] = "not an Anthropic message field"
