"""labkit: explore Claude's thinking, inner thoughts and token accounting from Jupyter.

The public names below are a contract. They load lazily so that ``import labkit`` stays light:
pydantic, the SDK, pandas, matplotlib and ipywidgets are imported when a name that needs them is
first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from labkit._lazy import lazy_exports

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # the exception tree
    "LabkitError": "labkit.core",
    "ConfigError": "labkit.core",
    "UnknownModelError": "labkit.core",
    "ConversionError": "labkit.core",
    "IncompleteStreamError": "labkit.core",
    "EmulatorError": "labkit.core",
    "StoreError": "labkit.core",
    "TrialError": "labkit.core",
    "SchemaVersionError": "labkit.core",
    # wire shapes
    "ChatRequest": "labkit.core",
    "ChatMessage": "labkit.core",
    "ChatCompletion": "labkit.core",
    "ChatCompletionChunk": "labkit.core",
    "Usage": "labkit.core",
    "ThinkingBlock": "labkit.core",
    # configs and catalog
    "ThinkingConfig": "labkit.core",
    "InnerThoughts": "labkit.core",
    "ModelInfo": "labkit.core",
    "get_model": "labkit.core",
    "list_models": "labkit.core",
    # pure conversion
    "prepare_request": "labkit.convert",
    "to_chat_completion": "labkit.convert",
    "StreamConverter": "labkit.convert",
    "convert_stream": "labkit.convert",
    "ChunkStream": "labkit.convert",
    "AsyncChunkStream": "labkit.convert",
    "accumulate": "labkit.convert",
    # edges
    "Emulator": "labkit.emulator",
    "Lab": "labkit.lab",
    "Trial": "labkit.lab",
    "Config": "labkit.lab",
    "grid": "labkit.lab",
}

__all__ = [
    "AsyncChunkStream",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatMessage",
    "ChatRequest",
    "ChunkStream",
    "Config",
    "ConfigError",
    "ConversionError",
    "Emulator",
    "EmulatorError",
    "IncompleteStreamError",
    "InnerThoughts",
    "Lab",
    "LabkitError",
    "ModelInfo",
    "SchemaVersionError",
    "StoreError",
    "StreamConverter",
    "ThinkingBlock",
    "ThinkingConfig",
    "Trial",
    "TrialError",
    "UnknownModelError",
    "Usage",
    "__version__",
    "accumulate",
    "convert_stream",
    "get_model",
    "grid",
    "list_models",
    "prepare_request",
    "to_chat_completion",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.convert import (
        AsyncChunkStream,
        ChunkStream,
        StreamConverter,
        accumulate,
        convert_stream,
        prepare_request,
        to_chat_completion,
    )
    from labkit.core import (
        ChatCompletion,
        ChatCompletionChunk,
        ChatMessage,
        ChatRequest,
        ConfigError,
        ConversionError,
        EmulatorError,
        IncompleteStreamError,
        InnerThoughts,
        LabkitError,
        ModelInfo,
        SchemaVersionError,
        StoreError,
        ThinkingBlock,
        ThinkingConfig,
        TrialError,
        UnknownModelError,
        Usage,
        get_model,
        list_models,
    )
    from labkit.emulator import Emulator
    from labkit.lab import Config, Lab, Trial, grid
