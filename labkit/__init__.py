"""labkit: explore Claude's thinking, inner thoughts and token accounting from Jupyter.

The public names below are a contract. They load lazily so that ``import labkit`` stays light:
pydantic, the SDK, pandas, matplotlib and ipywidgets are imported when a name that needs them is
first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from labkit.errors import (
    ConfigError,
    ConversionError,
    EmulatorError,
    IncompleteStreamError,
    LabkitError,
    SchemaVersionError,
    StoreError,
    UnknownModelError,
)

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # wire shapes
    "ChatRequest": "labkit.wire",
    "ChatMessage": "labkit.wire",
    "ChatCompletion": "labkit.wire",
    "ChatCompletionChunk": "labkit.wire",
    "Usage": "labkit.wire",
    "ThinkingBlock": "labkit.wire",
    # configs and catalog
    "ThinkingConfig": "labkit.configs",
    "InnerThoughts": "labkit.configs",
    "ModelInfo": "labkit.catalog",
    "get_model": "labkit.catalog",
    "list_models": "labkit.catalog",
    # pure conversion
    "prepare_request": "labkit.request",
    "to_chat_completion": "labkit.response",
    "StreamConverter": "labkit.stream",
    "convert_stream": "labkit.stream",
    "ChunkStream": "labkit.chunk_stream",
    "AsyncChunkStream": "labkit.chunk_stream",
    "accumulate": "labkit.accumulate",
    # edges
    "Emulator": "labkit.emulator",
    "Lab": "labkit.lab",
    "Trial": "labkit.trial",
    "Config": "labkit.experiment",
    "grid": "labkit.experiment",
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from labkit.accumulate import accumulate
    from labkit.catalog import ModelInfo, get_model, list_models
    from labkit.chunk_stream import AsyncChunkStream, ChunkStream
    from labkit.configs import InnerThoughts, ThinkingConfig
    from labkit.emulator import Emulator
    from labkit.experiment import Config, grid
    from labkit.lab import Lab
    from labkit.request import prepare_request
    from labkit.response import to_chat_completion
    from labkit.stream import StreamConverter, convert_stream
    from labkit.trial import Trial
    from labkit.wire import ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequest, ThinkingBlock, Usage
