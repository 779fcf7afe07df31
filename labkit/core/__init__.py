"""The bottom layer: OpenAI-style wire shapes, validated configs, the exception tree and the model catalog.

Nothing here imports another labkit layer; everything else may import from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

_EXPORTS = {
    "canonical_json": "labkit.core._canonical",
    "WidgetsUnavailableError": "labkit.core._errors",
    "PlotDataError": "labkit.core._errors",
    "TableError": "labkit.core._errors",
    "StreamErrorEvent": "labkit.core._errors",
    "StreamStalled": "labkit.core._errors",
    "THINKING_TYPES": "labkit.core._catalog",
    "ModelInfo": "labkit.core._catalog",
    "Prices": "labkit.core._catalog",
    "get_model": "labkit.core._catalog",
    "list_models": "labkit.core._catalog",
    "model_ids": "labkit.core._catalog",
    "platform_of": "labkit.core._catalog",
    "bedrock_version": "labkit.core._catalog",
    "platform_model_ids": "labkit.core._catalog",
    "live_capabilities": "labkit.core._catalog",
    "Platform": "labkit.core._catalog",
    "EFFORT_LEVELS": "labkit.core._configs",
    "STRATEGIES": "labkit.core._configs",
    "MIN_THINKING_BUDGET": "labkit.core._configs",
    "ConfigModel": "labkit.core._configs",
    "InnerThoughts": "labkit.core._configs",
    "ThinkingConfig": "labkit.core._configs",
    "ConfigError": "labkit.core._errors",
    "ConversionError": "labkit.core._errors",
    "EmulatorError": "labkit.core._errors",
    "IncompleteStreamError": "labkit.core._errors",
    "LabkitError": "labkit.core._errors",
    "SchemaVersionError": "labkit.core._errors",
    "StoreError": "labkit.core._errors",
    "TrialError": "labkit.core._errors",
    "UnknownModelError": "labkit.core._errors",
    "ChatCompletion": "labkit.core._wire",
    "ChatCompletionChunk": "labkit.core._wire",
    "ChatMessage": "labkit.core._wire",
    "ChatRequest": "labkit.core._wire",
    "Choice": "labkit.core._wire",
    "ChunkChoice": "labkit.core._wire",
    "CompletionTokensDetails": "labkit.core._wire",
    "Delta": "labkit.core._wire",
    "FinishReason": "labkit.core._wire",
    "FunctionCall": "labkit.core._wire",
    "FunctionCallDelta": "labkit.core._wire",
    "PromptTokensDetails": "labkit.core._wire",
    "ThinkingBlock": "labkit.core._wire",
    "Tool": "labkit.core._wire",
    "ToolCall": "labkit.core._wire",
    "ToolCallDelta": "labkit.core._wire",
    "Usage": "labkit.core._wire",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.core._canonical import canonical_json as canonical_json
    from labkit.core._catalog import THINKING_TYPES as THINKING_TYPES
    from labkit.core._catalog import ModelInfo as ModelInfo
    from labkit.core._catalog import Platform as Platform
    from labkit.core._catalog import Prices as Prices
    from labkit.core._catalog import bedrock_version as bedrock_version
    from labkit.core._catalog import get_model as get_model
    from labkit.core._catalog import list_models as list_models
    from labkit.core._catalog import live_capabilities as live_capabilities
    from labkit.core._catalog import model_ids as model_ids
    from labkit.core._catalog import platform_model_ids as platform_model_ids
    from labkit.core._catalog import platform_of as platform_of
    from labkit.core._configs import EFFORT_LEVELS as EFFORT_LEVELS
    from labkit.core._configs import MIN_THINKING_BUDGET as MIN_THINKING_BUDGET
    from labkit.core._configs import STRATEGIES as STRATEGIES
    from labkit.core._configs import ConfigModel as ConfigModel
    from labkit.core._configs import InnerThoughts as InnerThoughts
    from labkit.core._configs import ThinkingConfig as ThinkingConfig
    from labkit.core._errors import ConfigError as ConfigError
    from labkit.core._errors import ConversionError as ConversionError
    from labkit.core._errors import EmulatorError as EmulatorError
    from labkit.core._errors import IncompleteStreamError as IncompleteStreamError
    from labkit.core._errors import LabkitError as LabkitError
    from labkit.core._errors import PlotDataError as PlotDataError
    from labkit.core._errors import SchemaVersionError as SchemaVersionError
    from labkit.core._errors import StoreError as StoreError
    from labkit.core._errors import StreamErrorEvent as StreamErrorEvent
    from labkit.core._errors import StreamStalled as StreamStalled
    from labkit.core._errors import TableError as TableError
    from labkit.core._errors import TrialError as TrialError
    from labkit.core._errors import UnknownModelError as UnknownModelError
    from labkit.core._errors import WidgetsUnavailableError as WidgetsUnavailableError
    from labkit.core._wire import ChatCompletion as ChatCompletion
    from labkit.core._wire import ChatCompletionChunk as ChatCompletionChunk
    from labkit.core._wire import ChatMessage as ChatMessage
    from labkit.core._wire import ChatRequest as ChatRequest
    from labkit.core._wire import Choice as Choice
    from labkit.core._wire import ChunkChoice as ChunkChoice
    from labkit.core._wire import CompletionTokensDetails as CompletionTokensDetails
    from labkit.core._wire import Delta as Delta
    from labkit.core._wire import FinishReason as FinishReason
    from labkit.core._wire import FunctionCall as FunctionCall
    from labkit.core._wire import FunctionCallDelta as FunctionCallDelta
    from labkit.core._wire import PromptTokensDetails as PromptTokensDetails
    from labkit.core._wire import ThinkingBlock as ThinkingBlock
    from labkit.core._wire import Tool as Tool
    from labkit.core._wire import ToolCall as ToolCall
    from labkit.core._wire import ToolCallDelta as ToolCallDelta
    from labkit.core._wire import Usage as Usage
