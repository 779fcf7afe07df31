"""Live capabilities: GET /v1/models read once per process overrides the catalog; no network -> catalog."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import anthropic
import pytest

from labkit.core import ConfigError, get_model
from labkit.emulator import Emulator
from labkit.emulator.serving import _models_api
from labkit.emulator.serving._server import serve_in_thread
from labkit.lab import Config, Lab, _live
from labkit.tasks import load_tasks

PLACEHOLDER = "labkit-test-placeholder"


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_live, "_CACHE", {})


def _task() -> Any:
    return [t for t in load_tasks() if t.category == "arithmetic"][:1]


def test_a_live_list_is_read_once_and_rows_say_live(tmp_path: Path) -> None:
    emulator = Emulator()
    with serve_in_thread(emulator) as url:
        lab = Lab(backend=anthropic.Anthropic(api_key=PLACEHOLDER, base_url=url), store=tmp_path / "s.sqlite")
        first = lab.sweep(_task(), [Config(model="claude-opus-4-7")], name="a", progress=False)
        second = lab.sweep(_task(), [Config(model="claude-sonnet-4-6")], name="b", progress=False)
    assert set(first["capabilities"]) == set(second["capabilities"]) == {"live"}
    assert emulator.counters["models.list"] == 1  # once per process for this server
    in_process = Lab(backend=Emulator(), store=tmp_path / "e.sqlite")
    rows = in_process.sweep(_task(), [Config(model="claude-opus-4-7")], name="c", progress=False)
    assert set(rows["capabilities"]) == {"catalog"}  # the in-process emulator is the catalog


def test_live_fields_override_the_catalogs_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = _models_api.capabilities

    def fewer_efforts(info: Any) -> dict[str, Any]:
        caps = shipped(info)
        if info.id == "claude-opus-4-7":
            caps["effort"] = {**caps["effort"], "low": {"supported": False}}
        return caps

    monkeypatch.setattr(_models_api, "capabilities", fewer_efforts)
    config = Config(model="claude-opus-4-7", thinking={"mode": "adaptive", "effort": "low"})  # the catalog allows it
    assert "low" in get_model("claude-opus-4-7").effort_levels
    with serve_in_thread(Emulator()) as url:
        lab = Lab(backend=anthropic.Anthropic(api_key=PLACEHOLDER, base_url=url), store=tmp_path / "s.sqlite")
        with pytest.raises(ConfigError, match="low"):
            lab.sweep(_task(), [config], name="a", progress=False)
    assert "low" in get_model("claude-opus-4-7").effort_levels  # outside the Lab the catalog is untouched


def test_no_network_falls_back_to_the_catalog_with_one_notice(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lab = Lab(backend=anthropic.Anthropic(api_key=PLACEHOLDER, base_url="http://127.0.0.1:9"),
              store=tmp_path / "s.sqlite", max_retries=0, max_attempts=1)  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="labkit"):
        rows = lab.sweep(_task(), [Config(model="claude-opus-4-7")], name="a", progress=False)
        lab.sweep(_task(), [Config(model="claude-opus-4-7")], name="b", progress=False, retry_errors=True)
    notices = [r.getMessage() for r in caplog.records if "live model list" in r.getMessage()]
    assert len(notices) == 1 and "shipped catalog" in notices[0] and "\n" not in notices[0]
    assert set(rows["capabilities"]) == {"catalog"} and set(rows["error_type"]) == {"APIConnectionError"}
