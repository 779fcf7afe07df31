"""Where an `Emulator`'s assumptions come from: an object, a mapping, a file, or the environment.

``Emulator(assumptions=None)`` reads ``LABKIT_EMULATOR_ASSUMPTIONS`` so a notebook's conclusion can
be tested against other assumptions with no code change: the variable holds a JSON object of
overrides (``{"xml_skip_rate": 0.6}``) or the path of a ``.json`` / ``.toml`` file holding one.
Unset or empty: the defaults. The file read is this module's only I/O; validation is the model's.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from labkit.core import ConfigError
from labkit.emulator.model import DEFAULT_ASSUMPTIONS, Assumptions

ENV_VAR = "LABKIT_EMULATOR_ASSUMPTIONS"


def _overrides_from_text(text: str, origin: str) -> Mapping[str, Any]:
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            loaded = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{origin}: not a JSON object of assumption overrides ({error.msg})") from None
    else:
        path = Path(stripped).expanduser()
        if not path.is_file():
            raise ConfigError(f"{origin}: {stripped!r} is neither a JSON object nor an existing .json/.toml file")
        try:
            loaded = tomllib.loads(path.read_text()) if path.suffix == ".toml" else json.loads(path.read_text())
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{origin}: {path} could not be read as {path.suffix or 'JSON'}: {error}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{origin}: assumption overrides must be an object, got {type(loaded).__name__}")
    return loaded


def resolve_assumptions(value: Assumptions | Mapping[str, Any] | str | None) -> Assumptions:
    """The `Assumptions` for ``value`` (None: ``LABKIT_EMULATOR_ASSUMPTIONS``, else the defaults)."""
    if isinstance(value, Assumptions):
        return value
    if isinstance(value, Mapping):
        return Assumptions.from_overrides(value)
    if isinstance(value, str):
        return Assumptions.from_overrides(_overrides_from_text(value, "assumptions"))
    if value is not None:
        raise ConfigError(f"assumptions must be Assumptions, a mapping, a JSON text or a file path, got {value!r}")
    text = os.environ.get(ENV_VAR, "")
    if not text.strip():
        return DEFAULT_ASSUMPTIONS
    return Assumptions.from_overrides(_overrides_from_text(text, ENV_VAR))
