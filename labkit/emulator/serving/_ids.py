"""`IdMinter`: the emulator's request, message and batch ids, derived from the seed and a counter.

Ids look like the API's (``req_011C...``, ``msg_...``, ``msgbatch_...``) but carry ``synth`` so a
synthetic message can never pass for a real one. A fresh minter with the same seed mints the same
sequence, which is what makes two emulators with one seed answer byte-identical bodies.
"""

from __future__ import annotations

import hashlib
import threading

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(data: bytes, length: int) -> str:
    number, out = int.from_bytes(data, "big"), list[str]()
    while number and len(out) < length:
        number, digit = divmod(number, 58)
        out.append(_BASE58[digit])
    return "".join(out).ljust(length, "1")


class IdMinter:
    """Deterministic ids per kind: the n-th id of a kind depends only on the seed, the kind and n."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def _next(self, kind: str) -> int:
        with self._lock:
            number = self._counts.get(kind, 0) + 1
            self._counts[kind] = number
        return number

    def _digest(self, kind: str) -> bytes:
        return hashlib.sha256(f"{self.seed}:{kind}:{self._next(kind)}".encode()).digest()

    def request_id(self) -> str:
        return "req_011C" + _base58(self._digest("req"), 24)

    def message_id(self) -> str:
        return "msg_synth_" + _base58(self._digest("msg"), 24)

    def batch_id(self) -> str:
        return "msgbatch_synth_" + self._digest("batch").hex()[:24]
