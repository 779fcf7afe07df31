"""Order-preserving replay on a model whose thinking is bound to the conversation prefix (5.x).

A real recorded assistant turn (pydantic-ai's code-execution cassette on Sonnet 5: thinking, then
a server tool's call and result, thinking again, another call and result, then text) is re-signed
by the emulator for ``claude-opus-5-5``, whose signatures bind each thinking block to everything
before it. Sent back through completion -> `prepare_request`, the turn is the one the API sent and
the emulator answers 200; the same turn with its thinking moved first (what a completion that kept
thinking apart from the text used to rebuild) is a 400, as the real API answers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from real_traffic import by_name

from labkit.convert import prepare_request, to_chat_completion
from labkit.emulator import Emulator
from labkit.emulator.rules._signing import prefix_for

MODEL = "claude-opus-5-5"
RECORDING = "pydantic-ai/test_anthropic_code_execution_files_cache_prefix_stable_automatic-sonnet-5_--0"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    yield Emulator(seed=3)


def _request(message: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": "Run the analysis."}, message,
                                         {"role": "user", "content": "Now summarise it."}]}  # fmt: skip


def _signed_reply(emulator: Emulator) -> dict[str, Any]:
    """The recorded reply, its thinking re-signed by the emulator for this conversation on MODEL."""
    recorded = copy.deepcopy(by_name(RECORDING).response)
    params = dict(prepare_request(_request(to_chat_completion(recorded).choices[0].message)))
    blocks = params["messages"][1]["content"]
    for j, block in enumerate(blocks):
        if block["type"] == "thinking":  # in order: each signature binds the blocks before it
            block["signature"] = emulator.signer.sign(block["thinking"], model=MODEL, prefix=prefix_for(params, 1, j))
    return {**recorded, "model": MODEL, "content": blocks}


def test_the_recorded_turn_interleaves_thinking_with_server_tools() -> None:
    kinds = [b["type"] for b in by_name(RECORDING).response["content"]]
    assert kinds == ["thinking", "server_tool_use", "bash_code_execution_tool_result", "thinking",
                     "server_tool_use", "bash_code_execution_tool_result", "text"]  # fmt: skip


def test_an_interleaved_turn_replays_in_order_and_is_accepted(emulator: Emulator) -> None:
    reply = _signed_reply(emulator)
    completion = to_chat_completion(reply)
    prepared = prepare_request(_request(completion.choices[0].message))
    assert prepared["messages"][1]["content"] == reply["content"]  # blocks, order and signatures as sent
    assert not prepared.dropped
    with emulator.client(max_retries=0) as client:
        answer = client.messages.create(**prepared)
    assert answer.stop_reason == "end_turn" and answer.content


def test_the_same_turn_with_its_thinking_moved_first_is_rejected(emulator: Emulator) -> None:
    reply = _signed_reply(emulator)
    prepared = dict(prepare_request(_request(to_chat_completion(reply).choices[0].message)))
    blocks = prepared["messages"][1]["content"]
    thinking_first = [b for b in blocks if b["type"] == "thinking"] + [b for b in blocks if b["type"] != "thinking"]
    assert thinking_first != blocks
    prepared["messages"][1]["content"] = thinking_first
    with emulator.client(max_retries=0) as client, pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(**prepared)
    message = caught.value.body["error"]["message"]  # type: ignore[index]
    assert "Invalid `signature` in `thinking` block. The block is bound to a different conversation." in message


def test_an_edited_turn_is_rebuilt_and_says_so(emulator: Emulator) -> None:
    message = to_chat_completion(_signed_reply(emulator)).choices[0].message
    edited = message.model_copy(update={"content": "A shorter summary."})
    prepared = prepare_request(_request(edited))
    assert any("edited after it arrived" in note for note in prepared.notes)
    dropped = {k: v for k, v in prepared.dropped.items() if "anthropic_content" in k}
    assert len(dropped) == 4 and all("server_tool_use" in v or "bash_code_execution" in v for v in dropped.values())
