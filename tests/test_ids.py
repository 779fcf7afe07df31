"""labkit.emulator.serving._ids: deterministic, per-kind ids."""

from __future__ import annotations

import re

from labkit.emulator.serving._ids import IdMinter


def test_same_seed_same_sequence_other_seed_other_ids() -> None:
    a, b, c = IdMinter(0), IdMinter(0), IdMinter(1)
    first = [a.request_id(), a.message_id(), a.batch_id(), a.request_id()]
    assert first == [b.request_id(), b.message_id(), b.batch_id(), b.request_id()]
    assert not set(first) & {c.request_id(), c.message_id(), c.batch_id(), c.request_id()}


def test_kinds_count_apart_and_look_like_the_apis() -> None:
    minter = IdMinter(7)
    request = minter.request_id()
    minter.message_id()
    minter.message_id()
    assert IdMinter(7).request_id() == request  # messages minted in between do not shift requests
    assert re.fullmatch(r"req_011C[1-9A-HJ-NP-Za-km-z]{24}", request)
    assert re.fullmatch(r"msg_synth_[1-9A-HJ-NP-Za-km-z]{24}", minter.message_id())
    assert re.fullmatch(r"msgbatch_synth_[0-9a-f]{24}", minter.batch_id())
