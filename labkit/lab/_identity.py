"""Which server a result came from: `BackendIdentity`, part of every trial key and every row.

A result's identity is its backend's *kind* (``anthropic``, ``bedrock``, ``vertex``, ``base_url``,
``emulator``), its *endpoint* (the base URL the SDK sends to, the AWS region, the Google Cloud
project and region) and, for an emulator, its *seed* and the *version of its assumptions* (the
synthetic model's knobs): two emulators with different seeds, two base URLs, or an emulator and a
real server never share a cached row. Latency is not identity (it changes timings, not answers),
and neither is any credential: nothing here reads a key or a token.

`identity_of_client` derives the identity from an SDK client (``anthropic.Anthropic``,
``AnthropicBedrock``, ``AnthropicVertex`` or an async twin), finding an in-process `Emulator`
behind its transport when there is one. Pure apart from reading attributes of the objects given.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

Kind = Literal["anthropic", "bedrock", "vertex", "base_url", "emulator"]
BUILTIN_ASSUMPTIONS_VERSION = "builtin-1"
"""The assumptions version recorded for an emulator object that states none (every `Emulator` states
``Emulator.assumptions.version``; rows written before assumptions were versioned carry this one)."""
ANTHROPIC_DEFAULT_URL = "https://api.anthropic.com"
_ORDER = ("dialect", "base_url", "region", "project", "seed", "assumptions")


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendIdentity:
    """Kind, endpoint, and (emulator) seed and assumptions version; never a credential."""

    kind: Kind
    dialect: str | None = None
    """For an emulator reached through a platform client: "bedrock" or "vertex" (its wire format)."""
    base_url: str | None = None
    region: str | None = None
    project: str | None = None
    seed: int | None = None
    assumptions: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The set fields (all plain strings and numbers: no deep copy, which `asdict` would make)."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None}

    def key(self) -> str:
        """The text the trial key hashes (canonical JSON of the set fields)."""
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))

    @property
    def endpoint(self) -> str:
        """One readable line for the row's ``endpoint`` column."""
        values = self.as_dict()
        parts = [f"{name}={values[name]}" for name in _ORDER if name in values]
        return " ".join(parts) or self.kind

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.key().encode("utf-8")).hexdigest()[:12]


def assumptions_version(emulator: Any) -> str:
    """The emulator's assumptions version (``emulator.assumptions.version`` when it has one)."""
    version = getattr(getattr(emulator, "assumptions", None), "version", None)
    return str(version) if version else BUILTIN_ASSUMPTIONS_VERSION


def emulator_identity(emulator: Any, dialect: str | None = None, **endpoint: Any) -> BackendIdentity:
    """An in-process emulator; ``dialect`` names the platform wire format it is reached through. Its
    kind stays "emulator" whatever the dialect, so its rows are always labelled synthetic."""
    return BackendIdentity(kind="emulator", dialect=dialect, seed=int(emulator.seed),
                           assumptions=assumptions_version(emulator), **endpoint)  # fmt: skip


def emulator_behind(client: Any) -> Any:
    """The in-process `Emulator` answering ``client`` (through its emulator transport), or None."""
    transport = getattr(getattr(client, "_client", None), "_transport", None)
    handle = getattr(transport, "handle", None)
    owner = getattr(handle, "__self__", None)
    return owner if type(owner).__name__ == "Emulator" else None


def clean_url(url: str) -> str:
    """``url`` without user info or query (either could carry a credential) or a trailing slash."""
    parts = urlsplit(str(url))
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", "")).rstrip("/")


def _url(client: Any) -> str:
    return clean_url(str(client.base_url))


def identity_of_client(client: Any) -> BackendIdentity:
    """The identity of an SDK client's server (see the module docstring)."""
    name = type(client).__name__.removeprefix("Async")
    emulator = emulator_behind(client)
    if name == "AnthropicBedrock":
        endpoint: dict[str, Any] = {"region": str(client.aws_region)}
        if emulator is not None:
            return emulator_identity(emulator, "bedrock", **endpoint)
        return BackendIdentity(kind="bedrock", base_url=_url(client), **endpoint)
    if name == "AnthropicVertex":
        endpoint = {"region": str(client.region), "project": client.project_id}
        if emulator is not None:
            return emulator_identity(emulator, "vertex", **endpoint)
        return BackendIdentity(kind="vertex", base_url=_url(client), **endpoint)
    if emulator is not None:
        return emulator_identity(emulator)
    url = _url(client)
    return BackendIdentity(kind="anthropic" if url == ANTHROPIC_DEFAULT_URL else "base_url", base_url=url)
