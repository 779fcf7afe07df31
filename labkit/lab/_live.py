"""Live model capabilities: a real backend's ``GET /v1/models`` overrides the shipped catalog's fields.

With a backend that has the Models API (the Anthropic API, or a ``LABKIT_BASE_URL`` server), the
list is read once per process and backend identity (`live_infos`), and `capabilities_for` runs
the Lab's model checks against it (`labkit.core.live_capabilities`): context window, max output,
thinking types, effort levels and lifecycle come from the live entry (`ModelInfo.source ==
"live"`), and each trial row's ``capabilities`` column says which source its checks used. The
in-process emulator answers from the catalog itself, and Bedrock / Vertex have no Models API on
their runtime endpoints, so those use the catalog. Without network (or on any failure to read the
list) the catalog is used, after a one-line notice on the ``labkit`` logger; never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from labkit.core import ModelInfo, UnknownModelError, get_model, live_capabilities
from labkit.lab._backends import Backend

LIVE_KINDS = ("anthropic", "base_url")
"""Backend kinds with a ``GET /v1/models`` to read."""
LIVE_TIMEOUT_S = 10.0
logger = logging.getLogger("labkit")
_CACHE: dict[str, dict[str, ModelInfo] | None] = {}
"""Backend identity key -> the live entries by catalog id (None: the list could not be read)."""


def live_infos(backend: Backend) -> dict[str, ModelInfo] | None:
    """The backend's live entries by catalog id (read on first use in this process), or None."""
    if backend.name not in LIVE_KINDS:
        return None
    if backend.key not in _CACHE:
        _CACHE[backend.key] = _read(backend)
    return _CACHE[backend.key]


def _read(backend: Backend) -> dict[str, ModelInfo] | None:
    try:
        client = backend.client(max_retries=0, timeout=LIVE_TIMEOUT_S)
        try:
            listed: list[Any] = list(client.models.list())
        finally:
            client.close()
    except Exception as exc:  # no network, no Models API, a proxy that answers otherwise: the catalog
        logger.warning("labkit: no live model list from %s (%s); model checks use the shipped catalog",
                       backend.endpoint, type(exc).__name__)  # fmt: skip
        return None
    infos: dict[str, ModelInfo] = {}
    for model in listed:
        try:
            info = get_model(str(model.id), platform="anthropic")
        except UnknownModelError:  # a model newer than this catalog: no rules or prices to apply
            continue
        infos[info.id] = info.with_live_capabilities(model.model_dump(mode="json"))
    return infos


@contextmanager
def capabilities_for(backend: Backend) -> Iterator[None]:
    """Inside the block, model checks use the backend's live list when it has one."""
    infos = live_infos(backend)
    if not infos:
        yield
        return
    with live_capabilities(infos):
        yield
