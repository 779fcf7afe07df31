"""``labkit emulator``: the emulator over real HTTP, served by uvicorn (an ASGI server).

    labkit emulator --host 127.0.0.1 --port 8765 [--seed N] [--latency none|fast|realistic]
                    [--fault-rate R] [--api-key KEY]

Binds to loopback by default and prints, per backend rule, a line to copy (`connect_hints`):
labkit reads ``LABKIT_BASE_URL`` (``ANTHROPIC_API_KEY`` wins over it in labkit's rule, so it is
unset first); other Anthropic clients read ``ANTHROPIC_BASE_URL``.

uvicorn gives what the standard library's threading server lacked: keep-alive, a listen backlog of
`BACKLOG` (200 clients connecting at once are all answered, none waits for a dropped SYN to be
resent), ``400`` for malformed framing, one log line for a client that disconnects, and a graceful
shutdown that ends stalled streams. The application is `labkit.emulator.serving._asgi` around the
same `Emulator.handle` the in-process transports use. `serve_in_thread` runs a server on a free
port for tests and stops it on exit.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from labkit.emulator.serving._asgi import asgi_app
from labkit.emulator.serving._emulator import Emulator
from labkit.emulator.serving._faults import FaultPlan
from labkit.emulator.serving._latency import PRESETS
from labkit.emulator.serving._ratelimits import RateLimits

BACKLOG = 2048
"""Pending connections the kernel queues for the server (the standard library's default was 5)."""
GRACE_S = 1
"""On shutdown, how long open responses (a stalled stream) may take before they are cut."""


class _InjectedFaults(logging.Filter):
    """Drops uvicorn's error line for a response left unfinished: the emulator does that on purpose
    when it injects a drop or stall fault (`labkit.emulator.serving._asgi` logs its own line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "ASGI callable returned without completing response" not in record.getMessage()


class EmulatorServer:
    """One `Emulator` on ``host:port`` (0: a free port), bound at construction so `url` is known at once."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=BACKLOG)
        # small writes (headers, one SSE event) must not wait for the peer's delayed ACK (40 ms a
        # request): accepted connections inherit the listening socket's TCP_NODELAY
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        config = uvicorn.Config(
            asgi_app(emulator), log_level="warning", access_log=False, lifespan="off", backlog=BACKLOG,
            timeout_graceful_shutdown=GRACE_S, timeout_keep_alive=30,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        errors = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _InjectedFaults) for f in errors.filters):
            errors.addFilter(_InjectedFaults())

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    @property
    def started(self) -> bool:
        return bool(self._server.started)

    def serve_forever(self, poll_interval: float | None = None) -> None:
        """Serve until `shutdown` (or Ctrl-C in the main thread). ``poll_interval`` is accepted for the
        old server's callers and ignored: uvicorn wakes on events, not by polling."""
        self._server.run(sockets=[self.socket])

    def shutdown(self) -> None:
        """Ask the server to stop: no new connections; open responses get `GRACE_S` to finish."""
        self._server.should_exit = True

    def server_close(self) -> None:
        self.socket.close()


@contextmanager
def serve_in_thread(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``emulator`` on ``host:port`` (0: a free port) in a thread; yields the base URL."""
    server = EmulatorServer(emulator, host, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="labkit-emulator-server")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)  # the socket already listens: this only waits for the loop to accept
    try:
        yield server.url
    finally:
        server.shutdown()
        thread.join(timeout=GRACE_S + 5)
        server.server_close()


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
        server.serve_forever()
    except KeyboardInterrupt:  # uvicorn handles the first one itself; a second one lands here
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0
