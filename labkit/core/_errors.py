"""labkit's exception tree. Every error labkit raises on purpose is a ``LabkitError``.

    LabkitError
    ├── ConfigError (also ValueError)         a config or request labkit refuses before sending
    │   └── UnknownModelError (also KeyError-free: still a ValueError)
    ├── ConversionError (also ValueError)     an event or message labkit cannot convert
    ├── IncompleteStreamError                 a stream that ended early or carried an error event
    ├── StreamStalled                         no stream event within the stall timeout (the client's watchdog)
    ├── StreamErrorEvent                      an ``event: error`` arrived mid-stream (the client records it)
    ├── EmulatorError                         misuse of the local emulator (not an API error)
    │   └── ApiProblem                        an Anthropic-shaped error the emulator answers with
    │                                         (defined beside the rules: `labkit.emulator.rules`)
    ├── TrialError                            ``lab.run``'s one trial failed (``.trial`` holds it)
    ├── StoreError                            the results store cannot be used as asked
    │   └── SchemaVersionError                the store was written by a newer labkit
    ├── TableError (also ValueError)          rows or a DataFrame a table view cannot be built from
    ├── PlotDataError (also ValueError)       a DataFrame that lacks what a plot needs
    └── WidgetsUnavailableError (also ImportError)  ipywidgets is not installed

Errors from the API itself (``anthropic.APIStatusError`` and friends) pass through unwrapped.
"""

from __future__ import annotations

from typing import Any


class LabkitError(Exception):
    """Base class of every error labkit raises on purpose."""


class ConfigError(LabkitError, ValueError):
    """A request, thinking config or strategy that the target model would reject, or that is malformed."""


class UnknownModelError(ConfigError):
    """A model id that is not in labkit's catalog; the message names the nearest known ids."""

    def __init__(self, model_id: str, suggestions: list[str]) -> None:
        hint = f" Nearest known ids: {', '.join(suggestions)}." if suggestions else ""
        super().__init__(f"Unknown model {model_id!r}.{hint}")
        self.model_id = model_id
        self.suggestions = suggestions


class ConversionError(LabkitError, ValueError):
    """Input the converters cannot make sense of. ``event_index`` names the offending stream event."""

    def __init__(self, message: str, *, event_index: int | None = None) -> None:
        where = f"event {event_index}: " if event_index is not None else ""
        super().__init__(f"{where}{message}")
        self.event_index = event_index


class IncompleteStreamError(LabkitError):
    """A stream that ended without ``message_stop`` or carried an ``error`` event.

    ``partial`` holds the completion accumulated from what did arrive (unsigned thinking is kept
    and marked not replayable); ``error`` holds the error event's body when there was one.
    """

    def __init__(self, message: str, *, partial: Any = None, error: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.partial = partial
        self.error = error


class EmulatorError(LabkitError):
    """The emulator was configured or driven in a way it does not support."""


class TrialError(LabkitError):
    """The one trial ``lab.run`` was asked for did not finish; ``trial`` is the failed `Trial` (also stored).

    Sweeps never raise this: they keep a failed trial as a row with ``status="error"``.
    """

    def __init__(self, message: str, *, trial: Any = None) -> None:
        super().__init__(message)
        self.trial = trial


class StoreError(LabkitError):
    """The results store cannot be opened, read or written as asked."""


class SchemaVersionError(StoreError):
    """The results store was written by a newer labkit schema than this one understands."""


class StreamStalled(LabkitError):
    """No stream event arrived within the stall timeout."""


class StreamErrorEvent(LabkitError):
    """The server sent an ``event: error`` in the middle of a stream; ``body`` is its data."""

    def __init__(self, body: dict[str, Any]) -> None:
        found = body.get("error")
        error: dict[str, Any] = found if isinstance(found, dict) else {}
        super().__init__(f"error event mid-stream: {error.get('type')}: {error.get('message')}")
        self.body = body


class TableError(LabkitError, ValueError):
    """Rows or a DataFrame that a table view cannot be built from."""


class PlotDataError(LabkitError, ValueError):
    """A DataFrame handed to a plot lacks the columns or rows the plot needs."""


class WidgetsUnavailableError(LabkitError, ImportError):
    """ipywidgets is not installed (``pip install 'labkit[notebook]'`` brings it)."""
