"""BackendIdentity: kind, endpoint, emulator seed and assumptions; derived from SDK clients; no credentials."""

from __future__ import annotations

import anthropic

from labkit.emulator import Emulator
from labkit.lab._identity import BackendIdentity, emulator_behind, identity_of_client

SECRET = "labkit-test-placeholder-secret"


def test_identity_of_each_kind_of_client() -> None:
    real = identity_of_client(anthropic.Anthropic(api_key=SECRET, base_url="https://api.anthropic.com"))
    assert real == BackendIdentity(kind="anthropic", base_url="https://api.anthropic.com")
    proxy = identity_of_client(anthropic.AsyncAnthropic(api_key=SECRET, base_url="http://127.0.0.1:9/"))
    assert proxy == BackendIdentity(kind="base_url", base_url="http://127.0.0.1:9")
    bedrock = identity_of_client(anthropic.AnthropicBedrock(api_key=SECRET, aws_region="eu-west-3"))
    assert bedrock == BackendIdentity(kind="bedrock", base_url="https://bedrock-runtime.eu-west-3.amazonaws.com",
                                      region="eu-west-3")  # fmt: skip
    vertex = identity_of_client(anthropic.AsyncAnthropicVertex(access_token=SECRET, region="global", project_id="p"))
    assert vertex == BackendIdentity(kind="vertex", base_url="https://aiplatform.googleapis.com/v1", region="global",
                                     project="p")  # fmt: skip
    for identity in (real, proxy, bedrock, vertex):
        assert SECRET not in identity.key() and SECRET not in identity.endpoint


def test_an_emulator_behind_a_client_is_found_with_its_seed() -> None:
    emulator = Emulator(seed=7)
    for client in (emulator.client(), emulator.async_client(), emulator.bedrock_client(),
                   emulator.vertex_client(asynchronous=True)):  # fmt: skip
        assert emulator_behind(client) is emulator
        identity = identity_of_client(client)
        assert identity.kind == "emulator" and identity.seed == 7
        assert identity.assumptions == emulator.assumptions.version and identity.assumptions.startswith("a1-")
    assert identity_of_client(emulator.bedrock_client()).dialect == "bedrock"
    assert emulator_behind(anthropic.Anthropic(api_key=SECRET)) is None


def test_keys_differ_by_every_field_and_not_by_anything_else() -> None:
    base = BackendIdentity(kind="emulator", seed=1, assumptions="a")
    variants = [BackendIdentity(kind="emulator", seed=2, assumptions="a"),
                BackendIdentity(kind="emulator", seed=1, assumptions="b"),
                BackendIdentity(kind="emulator", seed=1, assumptions="a", dialect="vertex"),
                BackendIdentity(kind="base_url", base_url="http://127.0.0.1:1")]  # fmt: skip
    assert len({base.key(), *(v.key() for v in variants)}) == 5
    assert base.key() == BackendIdentity(kind="emulator", seed=1, assumptions="a").key()
    assert base.endpoint == "seed=1 assumptions=a" and BackendIdentity(kind="anthropic").endpoint == "anthropic"
    assert len(base.digest) == 12


def test_latency_is_not_identity() -> None:
    fast, still = Emulator(seed=3, latency="fast"), Emulator(seed=3)
    assert identity_of_client(fast.client()) == identity_of_client(still.client())


def test_an_emulator_is_keyed_by_its_assumptions_version() -> None:
    default, other = Emulator(seed=3), Emulator(seed=3, assumptions={"xml_skip_rate": 0.5})
    assert identity_of_client(default.client()).assumptions == default.assumptions.version
    assert identity_of_client(other.client()).assumptions == other.assumptions.version != default.assumptions.version


def test_a_credential_in_a_url_never_reaches_the_identity() -> None:
    from labkit.lab._client import base_url_backend
    from labkit.lab._identity import clean_url

    assert clean_url(f"https://user:{SECRET}@proxy.example/v1/?key={SECRET}") == "https://proxy.example/v1"
    backend = base_url_backend(f"http://me:{SECRET}@127.0.0.1:8/")
    assert backend.identity == BackendIdentity(kind="base_url", base_url="http://127.0.0.1:8")
    client = anthropic.Anthropic(api_key=SECRET, base_url=f"http://u:{SECRET}@127.0.0.1:8")
    assert SECRET not in identity_of_client(client).key()
