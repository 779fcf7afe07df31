"""Platform backends: Lab(backend="bedrock" / "vertex"), clients passed in, the env rule, missing extras."""

from __future__ import annotations

from pathlib import Path

import anthropic
import pytest

from labkit.core import ConfigError
from labkit.emulator import Emulator
from labkit.lab import Lab
from labkit.lab._backends import client_backend, platform_backend, platform_from_env, require_extra
from labkit.lab._client import choose_backend

PLACEHOLDER = "labkit-test-placeholder"


def test_named_platform_backends_take_region_and_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", PLACEHOLDER)
    lab = Lab(backend="bedrock", region="ap-northeast-1", store=tmp_path / "s.sqlite")
    assert lab.backend_name == "bedrock" and lab.backend.endpoint == (
        "base_url=https://bedrock-runtime.ap-northeast-1.amazonaws.com region=ap-northeast-1")
    client = lab.backend.async_client(max_retries=0)
    assert isinstance(client, anthropic.AsyncAnthropicBedrock) and client.aws_region == "ap-northeast-1"
    vertex = Lab(backend="vertex", region="us-east5", project_id="proj-1", store=tmp_path / "v.sqlite")
    assert vertex.backend.identity is not None and vertex.backend.identity.project == "proj-1"
    assert isinstance(vertex.backend.client(), anthropic.AnthropicVertex)


def test_platform_settings_errors_are_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "CLOUD_ML_REGION", "ANTHROPIC_VERTEX_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(ConfigError, match="region"):
        platform_backend("bedrock")
    with pytest.raises(ConfigError, match="project"):
        platform_backend("vertex", region="us-east5")
    with pytest.raises(ConfigError, match="region"):
        platform_backend("vertex", project_id="p")
    with pytest.raises(ConfigError, match="Vertex setting"):
        platform_backend("bedrock", region="us-east-1", project_id="p")
    with pytest.raises(ConfigError, match="apply to backend='bedrock'"):
        Lab(backend="emulator", region="us-east-1")


def test_a_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "botocore" else real(name, *a))
    with pytest.raises(ConfigError, match=r"pip install 'labkit\[bedrock\]'"):
        require_extra("bedrock")
    with pytest.raises(ConfigError, match=r"labkit\[bedrock\]"):
        platform_backend("bedrock", region="us-east-1")


def test_the_rule_picks_a_platform_from_its_own_settings() -> None:
    assert platform_from_env({"AWS_BEARER_TOKEN_BEDROCK": PLACEHOLDER}) == "bedrock"
    assert platform_from_env({"ANTHROPIC_VERTEX_PROJECT_ID": "p"}) == "vertex"
    assert platform_from_env({"AWS_REGION": "us-east-1"}) is None  # AWS settings alone are not a choice of Bedrock
    both = {"ANTHROPIC_API_KEY": PLACEHOLDER, "AWS_BEARER_TOKEN_BEDROCK": PLACEHOLDER}
    assert choose_backend(both).name == "anthropic"
    assert choose_backend({}).name == "emulator"


def test_rule_chooses_bedrock_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", PLACEHOLDER)
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    backend = choose_backend({"AWS_BEARER_TOKEN_BEDROCK": PLACEHOLDER})
    assert backend.name == "bedrock" and "AWS_BEARER_TOKEN_BEDROCK" in backend.reason
    assert backend.identity is not None and backend.identity.region == "us-west-2"


def test_a_platform_client_passed_in_gets_its_twin() -> None:
    given = anthropic.AnthropicBedrock(api_key=PLACEHOLDER, aws_region="eu-central-1", base_url="http://127.0.0.1:9")
    backend = client_backend(given)
    twin = backend.async_client()
    assert isinstance(twin, anthropic.AsyncAnthropicBedrock)
    assert twin.aws_region == "eu-central-1" and str(twin.base_url).startswith("http://127.0.0.1:9")
    vertex = client_backend(anthropic.AsyncAnthropicVertex(access_token=PLACEHOLDER, region="eu", project_id="p"))
    sync = vertex.client()
    assert isinstance(sync, anthropic.AnthropicVertex) and sync.project_id == "p" and sync.region == "eu"
    emulated = client_backend(Emulator(seed=4).vertex_client(asynchronous=True))
    assert emulated.name == "emulator" and emulated.client().messages.count_tokens(
        model="claude-opus-4-7", messages=[{"role": "user", "content": "hi"}]).input_tokens > 0
    with pytest.raises(ConfigError, match="anthropic SDK client"):
        client_backend(object())


def test_a_given_clients_own_middleware_runs_beside_labkits_rate_gate(tmp_path: Path) -> None:
    """labkit adds its rate gate to a client the caller built; the caller's own middleware (a header a
    gateway needs, logging) keeps running on every request, outermost, as the SDK orders it."""
    from labkit.lab import Config
    from labkit.lab._runner import RateGate
    from labkit.tasks import load_tasks

    seen: list[str] = []

    async def mine(request: object, call_next: object) -> object:
        seen.append(type(request).__name__)
        return await call_next(request)  # type: ignore[operator]

    given = Emulator(seed=2).async_client(middleware=[mine])
    gate = RateGate()
    assert client_backend(given).async_client(middleware=[gate]).middleware == (mine, gate)
    assert client_backend(given).async_client().middleware == (mine,)  # no middleware asked: the client's own
    tasks = [t for t in load_tasks() if t.category == "arithmetic"][:3]
    lab = Lab(backend=given, store=tmp_path / "runs.sqlite")
    frame = lab.sweep(tasks, [Config(model="claude-haiku-4-5", max_tokens=512)], name="mw", progress=False)
    assert list(frame["status"]) == ["ok"] * 3
    assert seen == ["APIRequest"] * 3


def test_the_twin_of_a_given_client_keeps_its_credentials_headers_timeout_and_tracing() -> None:
    """labkit's synchronous calls (batches, token counts, the live model list) go through the other
    kind of a given client: it must carry the caller's gateway header, bearer token, timeout,
    retries and OpenTelemetry option, on every kind of client."""
    tracing = {"propagation": False}
    headers = {"x-gateway-team": "lab"}
    given = [
        anthropic.AsyncAnthropic(auth_token=PLACEHOLDER, base_url="http://127.0.0.1:9", default_headers=headers,
                                 default_query={"tenant": "t1"}, timeout=7.0, max_retries=5, open_telemetry=tracing),
        anthropic.AsyncAnthropicBedrock(api_key=PLACEHOLDER, aws_region="eu-central-1", base_url="http://127.0.0.1:9",
                                        default_headers=headers, timeout=7.0, max_retries=5, open_telemetry=tracing),
        anthropic.AsyncAnthropicVertex(access_token=PLACEHOLDER, region="eu", project_id="p", default_headers=headers,
                                       timeout=7.0, max_retries=5, open_telemetry=tracing),
    ]  # fmt: skip
    for client in given:
        twin = client_backend(client).client()
        assert type(twin).__name__ == type(client).__name__.removeprefix("Async")
        assert twin.default_headers["x-gateway-team"] == "lab", type(client).__name__
        assert (twin.timeout, twin.max_retries) == (7.0, 5)
        assert twin._open_telemetry["propagation"] is False  # the SDK's resolved option: tracing kept as given
        assert client_backend(client).client(max_retries=0).max_retries == 0  # what labkit asks for wins
    anthropic_twin = client_backend(given[0]).client()
    assert anthropic_twin.auth_token == PLACEHOLDER and anthropic_twin.api_key is None
    assert dict(anthropic_twin.default_query) == {"tenant": "t1"}


def test_platform_backends_without_count_tokens_or_batches(tmp_path: Path) -> None:
    from labkit.lab import Config
    from labkit.tasks import load_tasks

    tasks = [t for t in load_tasks() if t.category == "arithmetic"][:2]
    bedrock = Lab(backend=Emulator().bedrock_client(), store=tmp_path / "b.sqlite")
    model = "anthropic.claude-opus-4-7"
    bedrock.sweep(tasks, [Config(model=model)], name="x", progress=False)
    assert set(bedrock.tokens("x")["source"]) == {"reported", "estimated"}  # the SDK has no Bedrock count_tokens
    assert list(bedrock.estimate(tasks, [Config(model=model)])["input_source"]) == ["estimated", "estimated"]
    with pytest.raises(ConfigError, match="via='batch'"):
        bedrock.sweep(tasks, [Config(model=model, label="other")], name="y", via="batch", progress=False)
    vertex = Lab(backend=Emulator().vertex_client(), store=tmp_path / "v.sqlite")
    vertex.sweep(tasks, [Config(model="claude-opus-4-7")], name="x", progress=False)
    assert "count_tokens" in set(vertex.tokens("x")["source"])  # Vertex counts through count-tokens:rawPredict
    with pytest.raises(ConfigError, match="vertex client"):
        vertex.sweep(tasks, [Config(model="claude-opus-4-7")], name="y", via="batch", progress=False)


def test_wire_params_send_bedrocks_legacy_version_only_where_needed() -> None:
    bedrock = client_backend(Emulator().bedrock_client())
    old = {"model": "anthropic.claude-sonnet-4-5-20250929-v1:0", "max_tokens": 5, "extra_body": {"x": 1}}
    assert bedrock.wire_params(old)["extra_body"] == {"x": 1, "anthropic_version": "bedrock-2023-05-31"}
    new = {"model": "us.anthropic.claude-opus-4-7", "max_tokens": 5}
    assert bedrock.wire_params(new) is new
    assert bedrock.wire_params({"model": "not-a-model"}) == {"model": "not-a-model"}
    plain = client_backend(Emulator().client())
    assert plain.wire_params(old) is old and plain.platform is None and bedrock.platform == "bedrock"
