"""OpenAI-style chat shapes labkit speaks, as pydantic v2 models.

These are the canonical JSON shapes on labkit's OpenAI side: the request (`ChatRequest`), the
messages in it (`ChatMessage`), the completion (`ChatCompletion`), the streamed chunk
(`ChatCompletionChunk`) and `Usage`. They carry Claude's reasoning through a round trip:
`reasoning_content` (visible thinking or extracted inner thoughts, joined) and `thinking_blocks`
(every thinking / redacted_thinking block, byte-exact, with its signature). Anthropic shapes are
the SDK's own types; nothing here talks to the network.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "developer", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "pause"]


class _Shape(BaseModel):
    """Base for wire shapes: unknown fields are kept (and reported by the converters), not lost."""

    model_config = ConfigDict(extra="allow")


class ThinkingBlock(_Shape):
    """One Anthropic thinking or redacted_thinking block, kept byte-exact for replay."""

    type: Literal["thinking", "redacted_thinking"] = "thinking"
    thinking: str | None = None
    """The visible thinking text ("" when the model's display is omitted)."""
    signature: str | None = None
    """The block's signature; replay sends it back unchanged."""
    data: str | None = None
    """Opaque payload of a redacted_thinking block."""
    replayable: bool = True
    """False for a block cut off before its signature arrived: the API would reject it."""


class FunctionCall(_Shape):
    name: str
    arguments: str
    """JSON-encoded arguments, as OpenAI sends them."""


class ToolCall(_Shape):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class FunctionDefinition(_Shape):
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class Tool(_Shape):
    type: Literal["function"] = "function"
    function: FunctionDefinition


class ChatMessage(_Shape):
    """One message of an OpenAI-style conversation, with Claude's reasoning fields on assistant turns."""

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    reasoning_content: str | None = None
    """Visible thinking or extracted inner thoughts, joined in order."""
    thinking_blocks: list[ThinkingBlock] | None = None
    """Every thinking / redacted_thinking block in order, byte-exact, for replay."""
    anthropic_content: list[dict[str, Any]] | None = None
    """On a converted reply: every Anthropic content block in the order the API sent it (text,
    thinking, tool and server-tool blocks, citations). Replay sends exactly these while the
    OpenAI view above still agrees with them; an edited message is rebuilt from the view."""


class ChatRequest(_Shape):
    """An OpenAI-style chat request. Fields the Anthropic API has no use for are reported when dropped."""

    model: str
    messages: list[ChatMessage]
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    stop: str | list[str] | None = None
    user: str | None = None
    tools: list[Tool] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    reasoning_effort: str | None = None
    stream: bool | None = None
    metadata: dict[str, Any] | None = None


class PromptTokensDetails(_Shape):
    cached_tokens: int = 0
    """Tokens read from the prompt cache (Anthropic ``cache_read_input_tokens``)."""
    cache_creation_tokens: int = 0
    """Tokens written to the prompt cache (Anthropic ``cache_creation_input_tokens``)."""


class CompletionTokensDetails(_Shape):
    reasoning_tokens: int | None = None
    """Billed thinking tokens (Anthropic ``output_tokens_details.thinking_tokens``) when reported."""


class Usage(_Shape):
    """Token usage in OpenAI terms, with the Anthropic breakdown alongside.

    ``prompt_tokens`` = input + cache write + cache read; ``completion_tokens`` = Anthropic
    ``output_tokens`` (billed, thinking included).
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails = Field(default_factory=PromptTokensDetails)
    completion_tokens_details: CompletionTokensDetails = Field(default_factory=CompletionTokensDetails)
    input_tokens: int = 0
    """Uncached input tokens as Anthropic reports them."""
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    output_tokens: int = 0
    cache_creation: dict[str, int] | None = None
    """The cache-write split by lifetime as reported (``ephemeral_5m_input_tokens``, ``ephemeral_1h_input_tokens``)."""
    server_tool_use: dict[str, int] | None = None
    """Server-tool requests billed per request (``web_search_requests``, ``web_fetch_requests``)."""
    iterations: list[dict[str, Any]] | None = None
    """Per-sampling-iteration usage (compaction, advisor), as reported. The top-level counts
    cover only the ``message`` iterations; what was billed is the sum over all of them."""
    service_tier: str | None = None
    inference_geo: str | None = None
    speed: str | None = None


class Choice(_Shape):
    index: int = 0
    message: ChatMessage
    finish_reason: FinishReason | None = None
    stop_reason: str | None = None
    """Anthropic's raw stop reason, kept whatever it maps to."""
    stop_sequence: str | None = None
    stop_details: dict[str, Any] | None = None
    """Why output stopped, when the API says more than the reason (a refusal's category and explanation)."""


class ChatCompletion(_Shape):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int = 0
    model: str
    choices: list[Choice]
    usage: Usage | None = None
    passthrough: list[dict[str, Any]] = Field(default_factory=list)
    """Blocks and events labkit does not know, kept as received instead of dropped."""
    container: dict[str, Any] | None = None
    """The code-execution container the reply ran in (id, expiry), to reuse on the next request."""
    context_management: dict[str, Any] | None = None
    """What context management (clearing, compaction) applied to this request, as reported."""


class FunctionCallDelta(_Shape):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(_Shape):
    index: int
    """Ordinal of the call among tool_use blocks (0, 1, 2 ...), never the Anthropic block index."""
    id: str | None = None
    type: Literal["function"] | None = None
    function: FunctionCallDelta | None = None


class Delta(_Shape):
    role: Literal["assistant"] | None = None
    content: str | None = None
    reasoning_content: str | None = None
    thinking_signature: str | None = None
    redacted_thinking: str | None = None
    thinking_block: int | None = None
    """Ordinal of the thinking / redacted block this delta belongs to; None for inner thoughts."""
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(_Shape):
    index: int = 0
    delta: Delta = Field(default_factory=Delta)
    finish_reason: FinishReason | None = None
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: dict[str, Any] | None = None


class ChatCompletionChunk(_Shape):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int = 0
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    passthrough: list[dict[str, Any]] | None = None
    anthropic_content: list[dict[str, Any]] | None = None
    """On the final chunk only: the message's content blocks in the order the API sent them."""
    container: dict[str, Any] | None = None
    context_management: dict[str, Any] | None = None
