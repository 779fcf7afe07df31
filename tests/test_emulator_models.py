"""``GET /v1/models`` and ``/v1/models/{id}`` through the SDK: newest first, cursor paging both
ways, ``lifecycle[]`` bracket params, capabilities that match the catalog, 404 for unknown ids."""

from __future__ import annotations

import anthropic
import httpx2
import pytest

from labkit.core._catalog import get_model, list_models
from labkit.emulator import Emulator
from labkit.emulator.serving._transport import EmulatorTransport

CATALOG = list_models()
LISTED = [m.id for m in CATALOG if m.lifecycle in ("active", "deprecated")]  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def client() -> anthropic.Anthropic:
    return Emulator().client(max_retries=0)


def raw_get(path: str) -> httpx2.Response:
    headers = {"x-api-key": "fake-test-key", "anthropic-version": "2026-10-21"}
    with httpx2.Client(transport=EmulatorTransport(Emulator().handle), base_url="http://emu.test") as http:
        return http.get(path, headers=headers)


def test_list_is_newest_first_and_pages_through_everything(client: anthropic.Anthropic) -> None:
    pager = client.models.list(limit=3)
    assert len(pager.data) == 3 and pager.has_more
    ids = [m.id for m in pager]  # auto-pagination with after_id
    assert ids == LISTED
    created = [get_model(i).created_at for i in ids]
    assert created == sorted(created, reverse=True)


def test_paging_backwards_with_before_id(client: anthropic.Anthropic) -> None:
    second = client.models.list(limit=4, after_id=LISTED[3])
    assert [m.id for m in second.data] == LISTED[4:8]
    back = client.models.list(limit=4, before_id=LISTED[4])
    assert [m.id for m in back.data] == LISTED[:4] and back.has_more is False
    assert back.first_id == LISTED[0] and back.last_id == LISTED[3]


def test_lifecycle_bracket_params() -> None:
    retired = [m.id for m in CATALOG if m.lifecycle == "retired"]  # type: ignore[union-attr]
    body = raw_get("/v1/models?limit=1000&lifecycle%5B%5D=retired").json()
    assert [m["id"] for m in body["data"]] == retired
    both = raw_get("/v1/models?limit=1000&lifecycle[]=active&lifecycle[]=retired").json()
    assert len(both["data"]) == sum(1 for m in CATALOG if m.lifecycle in ("active", "retired"))  # type: ignore[union-attr]
    bad = raw_get("/v1/models?lifecycle[]=ancient")
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("lifecycle")


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=ten", "after_id=claude-none"])
def test_bad_paging_params_are_400(query: str) -> None:
    response = raw_get(f"/v1/models?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["message"].split(":")[0] in ("limit", "after_id")


@pytest.mark.parametrize("model_id", LISTED)
def test_retrieve_has_catalog_capabilities(client: anthropic.Anthropic, model_id: str) -> None:
    info, body = get_model(model_id), client.models.retrieve(model_id)
    assert body.id == info.id and body.display_name == info.display_name and body.type == "model"
    assert body.max_input_tokens == info.context_window and body.max_tokens == info.max_output
    caps = body.capabilities
    assert caps is not None
    types = caps.thinking.types
    for kind in ("adaptive", "enabled", "disabled", "between_tools"):
        assert getattr(types, kind).supported == (kind in info.thinking_types)
    for level in ("low", "medium", "high", "max"):
        assert getattr(caps.effort, level).supported == (level in info.effort_levels)
    assert caps.effort.supported == bool(info.effort_levels)
    again = info.with_live_capabilities(body.model_dump(mode="json"))
    assert again.thinking_types == info.thinking_types and again.effort_levels == info.effort_levels


def test_dated_alias_and_unknown_id(client: anthropic.Anthropic) -> None:
    aliased = [(alias, m.id) for m in CATALOG for alias in m.aliases]  # type: ignore[union-attr]
    for alias, canonical in aliased:
        assert client.models.retrieve(alias).id == canonical
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.models.retrieve("claude-imaginary-9")
    assert caught.value.api_message == "model: claude-imaginary-9"
