"""Inner thoughts without native thinking: the ``kwargs`` and ``xml`` strategies, whole and streamed.

Owns
- kwargs: `inject_inner_thoughts` (the ``inner_thoughts`` string property goes first in a tool's
  schema and first in ``required``), `pop_inner_thoughts` (take it back out of a tool call's
  input), and `PartialThoughts`, which reveals the thought text while a tool call's JSON is still
  streaming, using jiter's partial JSON parser (escapes split across chunks included);
- xml: `xml_instructions` (the system-prompt instruction), `split_tagged` (a whole string) and
  `TagSplitter` (a stream), which remove exactly ``<tag>`` and ``</tag>`` wherever chunk boundaries
  fall and never touch any other ``<`` or ``>`` (``x < y`` stays as written).

Tag semantics: text inside ``<tag>...</tag>`` is reasoning, the rest is content. Both exact tags
are always removed; an opening tag while inside (or a closing tag while outside) is removed and
changes nothing. Reasoning from several tagged regions is concatenated as is. Pure: no I/O.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Literal

import jiter

from labkit.convert._arguments import canonical_arguments, parse_arguments

__all__ = [
    "INNER_THOUGHTS_DESCRIPTION",
    "INNER_THOUGHTS_KEY",
    "PartialThoughts",
    "TagSplitter",
    "inject_inner_thoughts",
    "pop_inner_thoughts",
    "split_tagged",
    "xml_instructions",
]

INNER_THOUGHTS_KEY = "inner_thoughts"
INNER_THOUGHTS_DESCRIPTION = "Deep inner monologue private to you only."

Part = Literal["reasoning", "content"]


# ----------------------------------------------------------------------------- kwargs strategy


def inject_inner_thoughts(input_schema: dict[str, Any] | None) -> dict[str, Any]:
    """A new schema with ``inner_thoughts`` as the first property and the first required entry.

    ``None`` or a schema without ``properties`` (a zero-argument tool) gets
    ``{"type": "object", "properties": {...}}``. The input is never mutated. A schema that already
    defines ``inner_thoughts`` keeps its own definition, moved to the front.
    """
    schema: dict[str, Any] = copy.deepcopy(input_schema) if input_schema else {}
    schema.setdefault("type", "object")
    old_props: dict[str, Any] = dict(schema.get("properties") or {})
    ours = old_props.pop(INNER_THOUGHTS_KEY, {"type": "string", "description": INNER_THOUGHTS_DESCRIPTION})
    schema["properties"] = {INNER_THOUGHTS_KEY: ours, **old_props}
    required = [r for r in (schema.get("required") or []) if r != INNER_THOUGHTS_KEY]
    schema["required"] = [INNER_THOUGHTS_KEY, *required]
    return schema


def pop_inner_thoughts(tool_input: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Split a tool call's input into (thoughts, input without them). The input is never mutated.

    A string value is returned as is; ``null`` or a missing key gives None; any other JSON value
    (the model put a number or an object there) is returned as its canonical JSON text so that
    nothing is lost.
    """
    rest = dict(tool_input)
    if INNER_THOUGHTS_KEY not in rest:
        return None, rest
    value = rest.pop(INNER_THOUGHTS_KEY)
    if value is None or isinstance(value, str):
        return value, rest
    return canonical_arguments(value), rest


_KEY_LITERAL = f'"{INNER_THOUGHTS_KEY}"'
_STRING_RUN = re.compile(r'(?:[^"\\]|\\u[0-9a-fA-F]{4}|\\[^u])*')
"""The longest run of complete string characters and escapes (stops at a quote or an unfinished escape)."""
_DECODER = json.JSONDecoder(strict=False)
_HIGH_SURROGATE_TAIL = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}$")


class PartialThoughts:
    """Reveal ``inner_thoughts`` from one streamed tool_use block's partial JSON as it arrives.

    Feed every ``input_json_delta.partial_json`` in order; each `feed` returns only the newly
    revealed thought text (possibly ""). Until the thought string is found, jiter parses the
    partial JSON (``partial_mode="trailing-strings"``), and only once the literal key has
    arrived. From then on only the newly arrived characters of the open string are decoded, so
    a long thought costs linear time. An escape still incomplete at the chunk end (``\\``,
    ``\\u00``, a high surrogate waiting for its low half) is held back, so revealed text is always
    a prefix of the final thoughts. `finish` parses the whole JSON (`ConversionError` if invalid).
    Thoughts that are not a string never stream; `revealed` holds what was returned so far, so
    the caller can emit ``thoughts[len(revealed):]`` after `finish` if anything remains.
    """

    __slots__ = ("_chunks", "_pending", "_phase", "_tail", "revealed")

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._phase: Literal["search", "parse", "stream", "done"] = "search"
        self._tail = ""  # the end of the text searched so far (a key literal may straddle chunks)
        self._pending = ""  # undecoded characters of the open thought string
        self.revealed = ""

    @property
    def text(self) -> str:
        """All partial JSON fed so far."""
        return "".join(self._chunks)

    def feed(self, partial_json: str) -> str:
        self._chunks.append(partial_json)
        if not partial_json or self._phase == "done":
            return ""
        if self._phase == "stream":
            self._pending += partial_json
            return self._decode_pending()
        if self._phase == "search":
            window = self._tail + partial_json
            self._tail = window[-len(_KEY_LITERAL) :]
            if _KEY_LITERAL not in window:
                return ""
            self._phase = "parse"
        return self._locate()

    def finish(self) -> tuple[str | None, dict[str, Any]]:
        """Parse the complete JSON: (thoughts, input without them). Raises `ConversionError` if invalid."""
        return pop_inner_thoughts(parse_arguments(self.text))

    def _locate(self) -> str:
        """Parse everything so far; once the thought string has started, switch to streaming it."""
        raw = self.text
        parsed = _partial_parse(raw, "trailing-strings")
        if not isinstance(parsed, dict) or INNER_THOUGHTS_KEY not in parsed:
            return ""
        value = parsed[INNER_THOUGHTS_KEY]
        if not isinstance(value, str):
            self._phase = "done"  # a non-string value never streams; `finish` returns it whole
            return ""
        complete = _partial_parse(raw, "on")
        if list(parsed)[-1] != INNER_THOUGHTS_KEY or (isinstance(complete, dict) and INNER_THOUGHTS_KEY in complete):
            self._phase = "done"  # the string is already closed
            self.revealed = value
            return value
        self._phase = "stream"
        self._pending = raw[_open_quote(raw) + 1 :]
        return self._decode_pending()

    def _decode_pending(self) -> str:
        pending = self._pending
        end = _STRING_RUN.match(pending).end()  # type: ignore[union-attr]  # `*` always matches
        closed = end < len(pending) and pending[end] == '"'
        segment = pending[:end]
        if not closed and (held := _HIGH_SURROGATE_TAIL.search(segment)):
            segment = segment[: held.start()]
        try:
            text: str = _DECODER.decode(f'"{segment}"') if "\\" in segment else segment
        except ValueError:
            self._phase = "done"  # not decodable: `finish` reports or recovers it
            return ""
        self._pending = pending[len(segment) :]
        if closed:
            self._phase = "done"
        self.revealed += text
        return text


def _partial_parse(raw: str, mode: Literal["trailing-strings", "on"]) -> Any:
    try:
        return jiter.from_json(raw.encode("utf-8", "surrogatepass"), partial_mode=mode)
    except ValueError:
        return None  # not parseable yet (or invalid: `finish` reports it)


def _open_quote(raw: str) -> int:
    """Index of the rightmost unescaped double quote: the opening quote of the open string at the end."""
    pos = len(raw)
    while True:
        pos = raw.rfind('"', 0, pos)
        backslashes = len(raw[:pos]) - len(raw[:pos].rstrip("\\"))
        if pos <= 0 or backslashes % 2 == 0:
            return pos


# ----------------------------------------------------------------------------- xml strategy


def xml_instructions(tag: str) -> str:
    """The system-prompt instruction asking the model to think inside ``<tag>...</tag>`` first."""
    return (
        f"Before you answer or call a tool, think step by step inside <{tag}>...</{tag}> tags. "
        f"This inner monologue is private to you only. Write your final answer after the closing </{tag}> tag, "
        f"outside the tags."
    )


def split_tagged(text: str, tag: str, *, start_inside: bool = False) -> tuple[str, str]:
    """Split a whole string into (reasoning, content): text inside ``<tag>...</tag>`` is reasoning.

    ``start_inside=True`` is the prefill case: the text continues an assistant turn that already
    holds the opening tag. Exactly ``<tag>`` and ``</tag>`` are removed; nothing else changes.
    """
    opening, closing = f"<{tag}>", f"</{tag}>"
    reasoning: list[str] = []
    content: list[str] = []
    inside = start_inside
    for i, piece in enumerate(re.split(f"({re.escape(opening)}|{re.escape(closing)})", text)):
        if i % 2:
            inside = piece == opening
        else:
            (reasoning if inside else content).append(piece)
    return "".join(reasoning), "".join(content)


class TagSplitter:
    """Streamed `split_tagged`: feed text chunks, get (part, text) pieces as soon as they are certain.

    Holds back only a possible partial tag at the end of what arrived (e.g. ``"</thin"``), so a tag
    split across any chunk boundary is removed exactly; a ``<`` that cannot start a tag passes at
    once. Call `flush` at the end of the text block: held-back text that never became a tag is
    emitted as is. Feeding any split of a text, then flushing, yields the same joined reasoning and
    content as `split_tagged` on the whole text.
    """

    __slots__ = ("_closing", "_held", "_inside", "_opening")

    def __init__(self, tag: str, *, start_inside: bool = False) -> None:
        self._opening = f"<{tag}>"
        self._closing = f"</{tag}>"
        self._inside = start_inside
        self._held = ""

    @property
    def inside(self) -> bool:
        """True while the text so far is inside the tag."""
        return self._inside

    def feed(self, text: str) -> list[tuple[Part, str]]:
        buf = self._held + text
        self._held = ""
        out: list[tuple[Part, str]] = []
        start = 0
        pos = buf.find("<")
        while pos != -1:
            rest = buf[pos:]
            tag = self._opening if rest.startswith(self._opening) else self._closing
            if rest.startswith(tag):
                self._emit(out, buf[start:pos])
                self._inside = tag == self._opening
                start = pos + len(tag)
            elif self._opening.startswith(rest) or self._closing.startswith(rest):
                self._emit(out, buf[start:pos])
                self._held = rest
                return out
            pos = buf.find("<", max(start, pos + 1))
        self._emit(out, buf[start:])
        return out

    def flush(self) -> list[tuple[Part, str]]:
        out: list[tuple[Part, str]] = []
        self._emit(out, self._held)
        self._held = ""
        return out

    def _emit(self, out: list[tuple[Part, str]], text: str) -> None:
        if not text:
            return
        part: Part = "reasoning" if self._inside else "content"
        if out and out[-1][0] == part:
            out[-1] = (part, out[-1][1] + text)
        else:
            out.append((part, text))
