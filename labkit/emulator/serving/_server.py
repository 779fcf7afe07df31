"""``labkit emulator``: the emulator over real HTTP, on the standard library's ThreadingHTTPServer.

    labkit emulator --host 127.0.0.1 --port 8765 [--seed N] [--latency none|fast|realistic]
                    [--fault-rate R] [--api-key KEY]

Binds to loopback by default and prints, per backend rule, a line to copy (`connect_hints`):
labkit reads ``LABKIT_BASE_URL`` (``ANTHROPIC_API_KEY`` wins over it in labkit's rule, so it is
unset first); other Anthropic clients read ``ANTHROPIC_BASE_URL``. Streams go out with chunked
transfer encoding, one SSE event a chunk, flushed before every latency wait (so clients see events
as they are produced) and otherwise coalesced into as few writes as possible; TCP_NODELAY is set.
Faults: ``"drop"`` closes the connection mid-body; ``"stall"`` holds it silent for ``stall_s``
(or until the server stops) and then closes it. `serve_in_thread` runs a server on a free port
for tests and stops it on exit.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from labkit.emulator.serving._emulator import Emulator
from labkit.emulator.serving._faults import FaultPlan
from labkit.emulator.serving._latency import PRESETS
from labkit.emulator.serving._ratelimits import RateLimits
from labkit.emulator.serving._response import EmulatorResponse


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one `Emulator`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.stopping = threading.Event()
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: EmulatorServer
    timeout = 30
    disable_nagle_algorithm = True  # small SSE frames must not wait for the peer's delayed ACK

    def log_message(self, format: str, *args: object) -> None:  # quiet: one line a request is noise
        return

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    do_PUT = do_PATCH = do_DELETE  # answered by the emulator (404/405 in the API's error shape)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            parts = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(parts)
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        body = self._read_body()
        host = self.headers.get("host") or self.server.url.removeprefix("http://")
        headers = {key.lower(): value for key, value in self.headers.items()}
        response = self.server.emulator.handle(self.command, self.path, headers, body, base_url=f"http://{host}")
        if response.delay_s > 0 and self.server.stopping.wait(response.delay_s):
            return
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        if response.chunks is None:
            self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
            return
        self._stream(response)

    def _stream(self, response: EmulatorResponse) -> None:
        """Write the chunks (HTTP chunked frames, one SSE event each). Frames are coalesced into
        one write until a latency delay has to pass, so a zero-latency stream costs one syscall."""
        chunked = "content-length" not in response.headers
        if chunked:
            self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        pending: list[bytes] = []
        for index, chunk in enumerate(response.chunks or ()):
            if (delay := response.wait_before(index)) > 0:
                self._write(pending)
                if self.server.stopping.wait(delay):
                    self.close_connection = True
                    return
            pending.append(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
        if response.interrupt is None:
            self._write([*pending, b"0\r\n\r\n"] if chunked else pending)
            return
        self._write(pending)
        if response.interrupt == "stall":
            self.server.stopping.wait(response.stall_s)
        self.close_connection = True

    def _write(self, frames: list[bytes]) -> None:
        if frames:
            self.wfile.write(b"".join(frames))
            self.wfile.flush()
            frames.clear()


@contextmanager
def serve_in_thread(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``emulator`` on ``host:port`` (0: a free port) in a thread; yields the base URL."""
    server = EmulatorServer(emulator, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def connect_hints(url: str, api_key: str | None = None) -> list[str]:
    """One copy-pasteable line per way of pointing a client at the server at ``url``.

    labkit's backend rule reads ``LABKIT_BASE_URL`` (``ANTHROPIC_API_KEY`` would win over it and send
    the requests to Anthropic, hence the ``unset``), then the platforms' own settings (the server also
    speaks the Bedrock and Vertex routes; Vertex takes no token from the environment, so its line is
    Python); any other Anthropic SDK client reads ``ANTHROPIC_BASE_URL`` and needs some key.
    """
    key = api_key or "emulator"
    lines = [
        "point a client at it (copy one line):",
        f"  labkit, shell:     unset ANTHROPIC_API_KEY; export LABKIT_BASE_URL={url}",
        f"  labkit, notebook:  %env LABKIT_BASE_URL={url}",
        f"  labkit, Python:    Lab(backend=labkit.lab.base_url_backend({url!r}))",
        f"  labkit, Bedrock:   unset ANTHROPIC_API_KEY LABKIT_BASE_URL; export ANTHROPIC_BEDROCK_BASE_URL={url} "
        f"AWS_BEARER_TOKEN_BEDROCK={key} AWS_REGION=us-east-1",
        f"  labkit, Vertex:    Lab(backend=anthropic.AnthropicVertex(base_url={url + '/v1'!r}, region='us-east5', "
        f"project_id='emulator', access_token={key!r}))",
        f"  other SDKs:        export ANTHROPIC_BASE_URL={url} ANTHROPIC_API_KEY={key}",
    ]
    if api_key:
        lines.append("  (--api-key is set: labkit's base-URL backend sends a placeholder key; run without --api-key "
                     "to use it from labkit)")
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labkit emulator", description="Serve the Anthropic API emulator over HTTP.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic model and ids (default 0)")
    parser.add_argument("--latency", choices=sorted(PRESETS), default="none", help="latency profile")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail (0-1)")
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    parser.add_argument("--requests-per-minute", type=int, default=None, metavar="N",
                        help="advertise and enforce this per-minute request limit (default: none in practice)")
    parser.add_argument("--assumptions", default=None, metavar="JSON_OR_FILE",
                        help="the synthetic model's assumptions: a JSON object of overrides or a .json/.toml file "
                             "(default: $LABKIT_EMULATOR_ASSUMPTIONS, else labkit's documented defaults)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    faults = FaultPlan(rate=args.fault_rate, seed=args.seed, retry_after_s=1.0) if args.fault_rate else None
    limits = RateLimits(requests_per_minute=args.requests_per_minute) if args.requests_per_minute else None
    emulator = Emulator(seed=args.seed, latency=args.latency, faults=faults, api_key=args.api_key,
                        assumptions=args.assumptions, rate_limits=limits)
    server = EmulatorServer(emulator, args.host, args.port)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}, reachable beyond this machine", file=sys.stderr)
    print(f"labkit emulator (synthetic replies, assumptions {emulator.assumptions.version}) listening on {server.url}",
          flush=True)
    print("\n".join(connect_hints(server.url, args.api_key)), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.server_close()
    return 0
