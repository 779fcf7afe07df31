"""The emulator over real HTTP on 127.0.0.1: the SDK, urllib, raw httpx2 (chunked SSE read by
hand), ``curl`` and the ``labkit emulator`` command all get answers; faults break real sockets."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest
from emulator_support import check_event_grammar, read_sse, rebuild_message

from labkit.emulator import Emulator, FaultPlan
from labkit.emulator.serving._server import main, serve_in_thread

PARAMS: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 4096,
                          "thinking": {"type": "enabled", "budget_tokens": 1024},
                          "messages": [{"role": "user", "content": "What is 12 times 7?"}]}
HEADERS = {"x-api-key": "fake-test-key", "anthropic-version": "2026-10-21", "content-type": "application/json"}


def test_sdk_over_loopback_matches_in_process() -> None:
    with serve_in_thread(Emulator(seed=11)) as url:
        assert url.startswith("http://127.0.0.1:")
        with anthropic.Anthropic(api_key="fake-test-key", base_url=url, max_retries=0) as client:
            created = client.messages.create(**PARAMS)
            with client.messages.stream(**PARAMS) as stream:
                final = stream.get_final_message()
            counted = client.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"])
            models = client.models.list(limit=5)
    # The same request sequence in process: the repeat is the emulator's second sample both times.
    local_client = Emulator(seed=11).client()
    local = local_client.messages.create(**PARAMS)
    with local_client.messages.stream(**PARAMS) as stream:
        local_final = stream.get_final_message()
    assert created.model_dump() == local.model_dump()
    assert final.content[0].type == "thinking" and final.model_dump() == local_final.model_dump()
    assert counted.input_tokens == created.usage.input_tokens and len(models.data) == 5


def test_urllib_gets_models_and_a_401_without_key() -> None:
    with serve_in_thread(Emulator()) as url:
        request = urllib.request.Request(f"{url}/v1/models?limit=2", headers=HEADERS)
        with urllib.request.urlopen(request, timeout=5) as response:
            body = json.loads(response.read())
            synthetic = response.headers["x-labkit-synthetic"]
        bare = urllib.request.Request(f"{url}/v1/models", headers={"anthropic-version": "2023-06-01"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(bare, timeout=5)
        error = json.loads(caught.value.read())
    assert len(body["data"]) == 2 and body["has_more"] is True and synthetic == "true"
    assert caught.value.code == 401 and error["error"]["type"] == "authentication_error"
    assert error["request_id"] == caught.value.headers["request-id"]


def test_chunked_request_bodies_and_unknown_verbs() -> None:
    def pieces() -> Iterator[bytes]:
        text = json.dumps({**PARAMS, "stream": False}).encode()
        yield text[:10]
        yield text[10:]

    with serve_in_thread(Emulator()) as url, httpx2.Client(base_url=url) as http:
        chunked = http.post("/v1/messages", content=pieces(), headers=HEADERS)
        put = http.put("/v1/messages", headers=HEADERS)
        after = http.get("/v1/models?limit=1", headers=HEADERS)  # the kept-alive connection is still in sync
    assert chunked.status_code == 200 and chunked.json()["type"] == "message"
    assert put.status_code == 405 and put.json()["error"]["type"] == "invalid_request_error"
    assert after.status_code == 200 and len(after.json()["data"]) == 1


def test_raw_httpx2_reads_chunked_sse_event_by_event() -> None:
    with serve_in_thread(Emulator(latency="fast")) as url, httpx2.Client(base_url=url) as http, \
            http.stream("POST", "/v1/messages", json={**PARAMS, "stream": True}, headers=HEADERS) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.headers["content-type"] == "text/event-stream"
        chunks = list(response.iter_raw())
    events = read_sse(b"".join(chunks))
    check_event_grammar(events)
    # events produced back to back share one write; a latency wait flushes what is ready, so the
    # stream arrives in pieces as it is produced, each ending on an event boundary
    assert 1 < len(chunks) <= len(events)
    assert all(chunk.endswith(b"\n\n") for chunk in chunks)
    assert rebuild_message(events)["stop_reason"] == "end_turn"


def test_curl_streams_a_message_and_lists_models() -> None:
    with serve_in_thread(Emulator()) as url:
        header_args = [arg for key, value in HEADERS.items() for arg in ("-H", f"{key}: {value}")]
        streamed = subprocess.run(
            ["curl", "-sS", "-N", "--max-time", "20", f"{url}/v1/messages", *header_args,
             "-d", json.dumps({**PARAMS, "stream": True})],
            capture_output=True, check=True, timeout=30,
        )
        models = subprocess.run(["curl", "-sS", "--max-time", "20", *header_args, f"{url}/v1/models"],
                                capture_output=True, check=True, timeout=30)
    events = read_sse(streamed.stdout)
    check_event_grammar(events)
    assert rebuild_message(events)["id"].startswith("msg_synth_")
    assert json.loads(models.stdout)["data"][0]["type"] == "model"


def test_dropped_and_stalled_connections_over_a_socket() -> None:
    emu = Emulator(faults=FaultPlan.scripted("drop", "stall", "drop", stall_s=30.0))
    with serve_in_thread(emu) as url, anthropic.Anthropic(api_key="fake-test-key", base_url=url, max_retries=0,
                             timeout=httpx2.Timeout(5.0, read=0.2)) as client:
        with pytest.raises((httpx2.RemoteProtocolError, anthropic.APIConnectionError)), \
                    client.messages.stream(**PARAMS) as stream:
            stream.get_final_message()
        with pytest.raises((httpx2.ReadTimeout, anthropic.APITimeoutError)), \
                    client.messages.stream(**PARAMS) as stream:
            stream.get_final_message()
        with pytest.raises(anthropic.APIConnectionError):
            client.messages.create(**PARAMS)  # a plain body cut in half
        assert client.messages.create(**PARAMS).stop_reason == "end_turn"
    assert emu.counters["messages"] == 4


def test_labkit_emulator_command_serves_on_loopback() -> None:
    command = [sys.executable, "-m", "labkit", "emulator", "--port", "0", "--seed", "3"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        try:
            assert process.stdout is not None
            banner = process.stdout.readline()
            url = banner.strip().rsplit(" ", 1)[-1]
            assert url.startswith("http://127.0.0.1:"), banner
            with anthropic.Anthropic(api_key="fake-test-key", base_url=url, max_retries=0) as client:
                message = client.messages.create(**PARAMS)
            assert message.id.startswith("msg_synth_")
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_command_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--latency", "glacial"])
    assert caught.value.code == 2 and "latency" in capsys.readouterr().err


def test_connect_hints_name_the_variable_labkit_reads_and_following_them_reaches_the_server(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from labkit.emulator.serving._server import connect_hints
    from labkit.lab import Lab

    emulator = Emulator(seed=3)
    with serve_in_thread(emulator) as url:
        hints = connect_hints(url)
        shell = next(line for line in hints if "labkit, shell" in line)
        assert f"export LABKIT_BASE_URL={url}" in shell and "unset ANTHROPIC_API_KEY" in shell
        assert any(f"ANTHROPIC_BASE_URL={url}" in line and "other SDKs" in line for line in hints)
        # follow the labkit line as written: the trial goes over HTTP to this server, not in process
        monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
        monkeypatch.setenv("LABKIT_BASE_URL", shell.split("LABKIT_BASE_URL=", 1)[1].strip())
        lab = Lab(store=tmp_path / "hint.sqlite")
        trial = lab.run("What is 2 + 3?", {"model": "claude-haiku-4-5"})
    assert lab.backend_name == "base_url" and url in lab.backend.reason
    assert trial.ok and emulator.counters["messages"] == 1
    assert any("--api-key" in line for line in connect_hints(url, "secret-for-test"))


def test_the_platform_hint_lines_reach_the_server_through_labkit(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Any) -> None:
    import os
    import shlex

    import anthropic

    import labkit
    from labkit.emulator.serving._server import connect_hints
    from labkit.lab import Lab

    emulator = Emulator(seed=4)
    with serve_in_thread(emulator) as url:
        hints = connect_hints(url)
        bedrock = next(line for line in hints if "labkit, Bedrock" in line).split("export ", 1)[1]
        for name in ("ANTHROPIC_API_KEY", "LABKIT_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
        for pair in shlex.split(bedrock):
            name, value = pair.split("=", 1)
            monkeypatch.setenv(name, value)
        assert os.environ["ANTHROPIC_BEDROCK_BASE_URL"] == url
        trial = Lab(store=tmp_path / "b.sqlite").run("What is 2 + 3?", {"model": "us.anthropic.claude-opus-4-7"})
        assert trial.ok and trial.backend == "bedrock" and emulator.counters["bedrock.invoke_stream"] == 1
        vertex = next(line for line in hints if "labkit, Vertex" in line).split("Vertex:", 1)[1].strip()
        lab = eval(vertex, {"Lab": lambda backend: Lab(backend=backend, store=tmp_path / "v.sqlite"),
                            "anthropic": anthropic, "labkit": labkit})  # the line as printed
        assert lab.run("What is 2 + 3?", {"model": "claude-opus-4-7"}).backend == "vertex"
        assert emulator.counters["vertex.stream_raw_predict"] == 1
