"""Pure conversion between OpenAI-style chat shapes and the Anthropic Messages API.

Requests (`prepare_request`), whole responses (`to_chat_completion`), streams (`convert_stream`,
`StreamConverter`, `ChunkStream`) and chunk accumulation (`accumulate`). No I/O, clock or randomness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "Accumulator": "labkit.convert._accumulate",
    "accumulate": "labkit.convert._accumulate",
    "canonical_arguments": "labkit.convert._arguments",
    "parse_arguments": "labkit.convert._arguments",
    "AsyncChunkStream": "labkit.convert._chunk_stream",
    "ChunkStream": "labkit.convert._chunk_stream",
    "finish_reason": "labkit.convert._finish",
    "INNER_THOUGHTS_KEY": "labkit.convert._inner_thoughts",
    "PartialThoughts": "labkit.convert._inner_thoughts",
    "TagSplitter": "labkit.convert._inner_thoughts",
    "inject_inner_thoughts": "labkit.convert._inner_thoughts",
    "pop_inner_thoughts": "labkit.convert._inner_thoughts",
    "split_tagged": "labkit.convert._inner_thoughts",
    "PreparedRequest": "labkit.convert._request",
    "prepare_request": "labkit.convert._request",
    "compose_reasoning": "labkit.convert._response",
    "to_chat_completion": "labkit.convert._response",
    "raw_events_suffice": "labkit.convert._sdk_events",
    "StreamConverter": "labkit.convert._stream",
    "convert_stream": "labkit.convert._convert_stream",
    "ThinkingParams": "labkit.convert._thinking",
    "thinking_params": "labkit.convert._thinking",
    "convert_tool_choice": "labkit.convert._tools",
    "convert_tools": "labkit.convert._tools",
    "to_usage": "labkit.convert._usage",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.convert._accumulate import Accumulator as Accumulator
    from labkit.convert._accumulate import accumulate as accumulate
    from labkit.convert._arguments import canonical_arguments as canonical_arguments
    from labkit.convert._arguments import parse_arguments as parse_arguments
    from labkit.convert._chunk_stream import AsyncChunkStream as AsyncChunkStream
    from labkit.convert._chunk_stream import ChunkStream as ChunkStream
    from labkit.convert._convert_stream import convert_stream as convert_stream
    from labkit.convert._finish import finish_reason as finish_reason
    from labkit.convert._inner_thoughts import INNER_THOUGHTS_KEY as INNER_THOUGHTS_KEY
    from labkit.convert._inner_thoughts import PartialThoughts as PartialThoughts
    from labkit.convert._inner_thoughts import TagSplitter as TagSplitter
    from labkit.convert._inner_thoughts import inject_inner_thoughts as inject_inner_thoughts
    from labkit.convert._inner_thoughts import pop_inner_thoughts as pop_inner_thoughts
    from labkit.convert._inner_thoughts import split_tagged as split_tagged
    from labkit.convert._request import PreparedRequest as PreparedRequest
    from labkit.convert._request import prepare_request as prepare_request
    from labkit.convert._response import compose_reasoning as compose_reasoning
    from labkit.convert._response import to_chat_completion as to_chat_completion
    from labkit.convert._sdk_events import raw_events_suffice as raw_events_suffice
    from labkit.convert._stream import StreamConverter as StreamConverter
    from labkit.convert._thinking import ThinkingParams as ThinkingParams
    from labkit.convert._thinking import thinking_params as thinking_params
    from labkit.convert._tools import convert_tool_choice as convert_tool_choice
    from labkit.convert._tools import convert_tools as convert_tools
    from labkit.convert._usage import to_usage as to_usage
