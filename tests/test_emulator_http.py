"""The emulator's HTTP edge (uvicorn around `labkit.emulator.serving._asgi`): many clients at once,
malformed and oversized requests, clients that leave, and shutdown with a stream still open.

Raw sockets send what no well-behaved client would; every server binds to 127.0.0.1 and stops
when its ``with`` block ends.
"""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from labkit.emulator import Emulator, FaultPlan
from labkit.emulator.serving._server import GRACE_S, EmulatorServer, serve_in_thread

KEY = {"x-api-key": "fake-test-key", "anthropic-version": "2026-10-21"}


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _raw(url: str, request: bytes, *, read: int = 65536) -> bytes:
    """Send raw bytes; what the server answers before it closes or goes quiet for a second."""
    with socket.create_connection(_address(url), timeout=2.0) as sock:
        sock.sendall(request)
        data = b""
        try:
            while len(data) < read and (part := sock.recv(4096)):
                data += part
        except TimeoutError:
            pass
        return data


def test_two_hundred_clients_connecting_at_once_are_all_answered_promptly() -> None:
    """The old server's listen queue of 5 dropped SYNs: those clients waited for the kernel's 1 s
    resend. Here every one of 200 simultaneous connections is answered before that could happen."""
    with serve_in_thread(Emulator()) as url:
        host, port = _address(url)
        start = threading.Barrier(200)

        def one(_: int) -> tuple[int, float]:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            start.wait()
            began = time.perf_counter()
            conn.request("GET", "/v1/models", headers=KEY)
            status = conn.getresponse().status
            conn.close()
            return status, time.perf_counter() - began

        with ThreadPoolExecutor(200) as pool:
            results = list(pool.map(one, range(200)))
    assert [status for status, _ in results] == [200] * 200
    assert max(took for _, took in results) < 1.0  # no SYN resend (which takes 1 s) was needed


def test_keep_alive_serves_many_requests_on_one_connection() -> None:
    with serve_in_thread(Emulator()) as url:
        conn = http.client.HTTPConnection(*_address(url), timeout=5)
        for _ in range(20):
            conn.request("GET", "/v1/models", headers=KEY)
            response = conn.getresponse()
            assert response.status == 200 and response.read()
        conn.close()


def test_an_oversized_declared_body_is_a_413_before_any_of_it_is_read() -> None:
    request = (b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nanthropic-version: 2026-10-21\r\n"
               b"content-type: application/json\r\nContent-Length: 1000000000000\r\n\r\n{")  # fmt: skip
    with serve_in_thread(Emulator()) as url:
        answer = _raw(url, request)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"type":"request_too_large"' in answer.replace(b": ", b":")


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: abc\r\n\r\n{}",
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ],
    ids=["content-length-abc", "bad-chunk-size"],
)
def test_malformed_framing_is_a_400_not_a_silent_close(framing: bytes) -> None:
    head = b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nanthropic-version: 2026-10-21\r\n"
    with serve_in_thread(Emulator()) as url:
        answer = _raw(url, head + framing)
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_a_client_leaving_mid_stream_leaves_no_traceback_and_the_server_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = (b'{"model":"claude-sonnet-4-6","max_tokens":4096,"stream":true,'
            b'"messages":[{"role":"user","content":"What is 12 times 7?"}]}')  # fmt: skip
    request = (b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nanthropic-version: 2026-10-21\r\n"
               b"content-type: application/json\r\nContent-Length: %d\r\n\r\n%s") % (len(body), body)  # fmt: skip
    with caplog.at_level(logging.INFO), serve_in_thread(Emulator(latency="fast")) as url:
        for _ in range(3):
            assert _raw(url, request, read=200).startswith(b"HTTP/1.1 200 ")  # read a little, then hang up
        conn = http.client.HTTPConnection(*_address(url), timeout=5)
        conn.request("GET", "/v1/models", headers=KEY)
        assert conn.getresponse().status == 200
        conn.close()
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]


def test_shutdown_ends_a_stalled_stream_within_the_grace_period() -> None:
    emulator = Emulator(faults=FaultPlan.scripted("stall", stall_s=600.0))
    server = EmulatorServer(emulator)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    body = b'{"model":"claude-sonnet-4-6","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}'
    sock = socket.create_connection(_address(server.url), timeout=5)
    sock.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nanthropic-version: 2026-10-21\r\n"
                 b"content-type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))  # fmt: skip
    assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")  # the stream started, then stalls
    began = time.perf_counter()
    server.shutdown()
    thread.join(timeout=GRACE_S + 5)
    server.server_close()
    sock.close()
    assert not thread.is_alive()
    assert time.perf_counter() - began < GRACE_S + 5  # the 600 s stall did not hold the shutdown


def test_connections_do_not_wait_for_delayed_acks() -> None:
    """Without TCP_NODELAY every response waited ~40 ms for the client's delayed ACK (headers and
    body are separate writes); accepted sockets inherit it from the listening one."""
    server = EmulatorServer(Emulator())
    try:
        assert server.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        server.server_close()
