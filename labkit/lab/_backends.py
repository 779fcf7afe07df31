"""`Backend` and the backends around the SDK's clients: a client passed in, Amazon Bedrock, Google Vertex AI.

- `client_backend(client)`: any SDK client (``anthropic.Anthropic``, ``AnthropicBedrock``,
  ``AnthropicVertex``, or an async twin); the other kind (sync / async) is built from the same
  settings, or from the in-process `Emulator` behind it when there is one.
- `platform_backend("bedrock" | "vertex", region=..., project_id=...)`: the SDK's
  ``AsyncAnthropicBedrock`` / ``AnthropicBedrock`` (or the Vertex pair). The SDK reads the
  platform's own settings (Bedrock: ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, ``AWS_BEARER_TOKEN_BEDROCK``
  or the boto3 credential chain, ``ANTHROPIC_BEDROCK_BASE_URL``; Vertex: ``CLOUD_ML_REGION``,
  ``ANTHROPIC_VERTEX_PROJECT_ID``, ``ANTHROPIC_VERTEX_BASE_URL``, google-auth's default credentials);
  labkit copies none of them. The platform libraries are optional extras (``labkit[bedrock]``:
  boto3/botocore; ``labkit[vertex]``: google-auth); a missing one is a `ConfigError` naming the extra.
- `platform_from_env(env)`: the part of the backend rule that picks a platform from its settings.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import anthropic

from labkit.core import ConfigError, UnknownModelError, bedrock_version
from labkit.lab._identity import BackendIdentity, emulator_behind, identity_of_client

BackendName = Literal["anthropic", "bedrock", "vertex", "base_url", "emulator"]
ClientFactory = Callable[..., Any]
BEDROCK_ENV = ("AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_BEDROCK_BASE_URL")
VERTEX_ENV = ("ANTHROPIC_VERTEX_PROJECT_ID",)
EXTRAS = {"bedrock": ("botocore", "boto3/botocore"), "vertex": ("google.auth", "google-auth")}
"""platform -> (module the SDK imports, what to install)."""
_AWS_FIELDS = ("aws_access_key", "aws_secret_key", "aws_session_token", "aws_profile", "api_key")


@dataclass(frozen=True)
class Backend:
    """Where requests go. ``async_client()`` / ``client()`` build SDK clients for it; ``identity``
    says which server it is (`BackendIdentity`: part of every trial key and row)."""

    name: BackendName
    reason: str
    make_async: ClientFactory = field(repr=False, compare=False)
    make_sync: ClientFactory = field(repr=False, compare=False)
    emulator: Any = field(default=None, repr=False, compare=False)
    """The in-process `Emulator` when one answers (``name == "emulator"``, or a platform client on one)."""
    identity: BackendIdentity | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.identity is None:  # a Backend built by hand: its kind is all that is known
            object.__setattr__(self, "identity", BackendIdentity(kind=self.name))

    @property
    def key(self) -> str:
        """What the trial key hashes for this backend (kind, endpoint, emulator seed and assumptions)."""
        return self.identity.key() if self.identity is not None else self.name

    @property
    def endpoint(self) -> str:
        return self.identity.endpoint if self.identity is not None else self.name

    @property
    def platform(self) -> str | None:
        """"bedrock" / "vertex" when requests go through that platform's client (real or emulated)."""
        identity = self.identity
        if identity is None:
            return None
        return identity.dialect or (identity.kind if identity.kind in ("bedrock", "vertex") else None)

    def wire_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """``messages.create`` kwargs as this backend needs them sent. Bedrock takes the body version
        2026-10-21 (the SDK's default) only for Claude 4.7+ models: older ones get the legacy
        ``bedrock-2023-05-31`` through ``extra_body``. Not part of the trial key (the backend is)."""
        if self.platform != "bedrock" or not isinstance(params.get("model"), str):
            return params
        try:
            version = bedrock_version(params["model"])
        except UnknownModelError:
            return params
        if version == "2026-10-21":
            return params
        return {**params, "extra_body": {**(params.get("extra_body") or {}), "anthropic_version": version}}

    def async_client(self, **kwargs: Any) -> anthropic.AsyncAnthropic:
        client: anthropic.AsyncAnthropic = self.make_async(**kwargs)
        return client

    def client(self, **kwargs: Any) -> anthropic.Anthropic:
        client: anthropic.Anthropic = self.make_sync(**kwargs)
        return client


def require_extra(platform: str) -> None:
    """A `ConfigError` naming the extra when the platform's library is not installed."""
    module, what = EXTRAS[platform]
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ConfigError(f"backend {platform!r} needs {what}: pip install 'labkit[{platform}]'")


def platform_from_env(env: Mapping[str, str]) -> str | None:
    """"bedrock" / "vertex" when that platform's own settings are present (Bedrock first), else None."""
    if any(env.get(name) for name in BEDROCK_ENV):
        return "bedrock"
    if any(env.get(name) for name in VERTEX_ENV):
        return "vertex"
    return None


def platform_reason(platform: str, env: Mapping[str, str]) -> str:
    names = BEDROCK_ENV if platform == "bedrock" else VERTEX_ENV
    return " and ".join(name for name in names if env.get(name))


def platform_backend(platform: str, *, region: str | None = None, project_id: str | None = None,
                     reason: str = "explicitly chosen") -> Backend:  # fmt: skip
    """Bedrock or Vertex through the SDK's own clients (see the module docstring)."""
    if platform == "bedrock":
        if project_id is not None:
            raise ConfigError("project_id= is a Vertex setting; Bedrock takes region= only")
        require_extra("bedrock")
        settings: dict[str, Any] = {} if region is None else {"aws_region": region}
        sync_cls: Any = anthropic.AnthropicBedrock
        async_cls: Any = anthropic.AsyncAnthropicBedrock
    elif platform == "vertex":
        settings = {k: v for k, v in (("region", region), ("project_id", project_id)) if v is not None}
        if not (project_id or os.environ.get("ANTHROPIC_VERTEX_PROJECT_ID")):
            raise ConfigError("backend 'vertex' needs a Google Cloud project: Lab(backend='vertex', "
                              "project_id=..., region=...) or ANTHROPIC_VERTEX_PROJECT_ID")  # fmt: skip
        require_extra("vertex")
        sync_cls, async_cls = anthropic.AnthropicVertex, anthropic.AsyncAnthropicVertex
    else:
        raise ConfigError(f"unknown platform {platform!r}: 'bedrock' or 'vertex'")
    try:
        probe = sync_cls(**settings)  # the SDK resolves region and base URL from its own settings
    except ValueError as exc:  # no region: the SDK's own message names the variables it reads
        raise ConfigError(f"backend {platform!r}: {exc}") from None
    return Backend(platform, reason, lambda **kw: async_cls(**settings, **kw),  # type: ignore[arg-type]
                   lambda **kw: sync_cls(**settings, **kw), identity=identity_of_client(probe))


def client_backend(client: Any) -> Backend:
    """A backend around an SDK client the caller built (sync or async); the other kind is derived."""
    name = type(client).__name__
    known = ("Anthropic", "AnthropicBedrock", "AnthropicVertex")
    if name.removeprefix("Async") not in known or not hasattr(client, "with_options"):
        raise ConfigError("backend client must be an anthropic SDK client (Anthropic, AnthropicBedrock, "
                          f"AnthropicVertex or an async twin), not {name}")  # fmt: skip
    identity = identity_of_client(client)
    emulator = emulator_behind(client)
    twin = _twin_factory(client, emulator)
    mine, other = _copies(client), twin
    make_async, make_sync = (mine, other) if name.startswith("Async") else (other, mine)
    where = f"{identity.kind} at {identity.endpoint}"
    return Backend(identity.kind, f"given client ({where})", make_async, make_sync, emulator=emulator,
                   identity=identity)


def _copies(client: Any) -> ClientFactory:
    """Copies of ``client`` with other options (``with_options``: every SDK client's ``copy()``). Given
    ``middleware`` runs after the client's own, which ``with_options`` alone would drop: the caller's
    middleware (headers a gateway needs, logging, tracing of its own) sees labkit's requests too."""

    def copy(**options: Any) -> Any:
        if options.get("middleware") is not None:
            options["middleware"] = [*getattr(client, "middleware", ()), *options["middleware"]]
        return client.with_options(**options)

    return copy


def _twin_factory(client: Any, emulator: Any) -> ClientFactory:
    """Builds the other (sync / async) kind of ``client`` with the same settings: where it points and
    its credentials, and what every SDK client carries (`_carried`: headers, query, timeout, retries,
    tracing). Its middleware and HTTP client are of the other kind and stay behind."""
    name = type(client).__name__.removeprefix("Async")
    asynchronous = not type(client).__name__.startswith("Async")
    carried = _carried(client)
    if name == "AnthropicBedrock":
        settings: dict[str, Any] = {"aws_region": client.aws_region}
        settings.update({k: getattr(client, k) for k in _AWS_FIELDS if getattr(client, k, None) is not None})
        if emulator is not None:
            return lambda **kw: emulator.bedrock_client(asynchronous=asynchronous, **settings, **kw)
        cls: Any = anthropic.AsyncAnthropicBedrock if asynchronous else anthropic.AnthropicBedrock
        return lambda **kw: cls(base_url=client.base_url, **settings, **{**carried, **kw})
    if name == "AnthropicVertex":
        settings = {"region": client.region, "project_id": client.project_id}
        if client.access_token is not None:
            settings["access_token"] = client.access_token
        if emulator is not None:
            return lambda **kw: emulator.vertex_client(asynchronous=asynchronous, **settings, **kw)
        cls = anthropic.AsyncAnthropicVertex if asynchronous else anthropic.AnthropicVertex
        return lambda **kw: cls(base_url=client.base_url, credentials=client.credentials, **settings,
                                **{**carried, **kw})  # fmt: skip
    if emulator is not None:
        return emulator.async_client if asynchronous else emulator.client  # type: ignore[no-any-return]
    cls = anthropic.AsyncAnthropic if asynchronous else anthropic.Anthropic
    credentials = {"api_key": client.api_key, "auth_token": getattr(client, "auth_token", None)}
    return lambda **kw: cls(base_url=str(client.base_url), **credentials, **{**carried, **kw})


def _carried(client: Any) -> dict[str, Any]:
    """The settings every SDK client has that its twin keeps: the caller's own default headers and
    query (a gateway's), timeout, retries, OpenTelemetry option and strict validation; read where
    the SDK's own ``copy()`` reads them."""
    carried: dict[str, Any] = {"timeout": client.timeout, "max_retries": client.max_retries}
    optional = {"default_headers": "_custom_headers", "default_query": "_custom_query",
                "_strict_response_validation": "_strict_response_validation"}  # fmt: skip
    carried.update({option: getattr(client, name) for option, name in optional.items() if hasattr(client, name)})
    if callable(getattr(client, "_copy_open_telemetry", None)):
        carried["open_telemetry"] = client._copy_open_telemetry(None)
    return carried
