"""``POST /v1/messages`` and ``POST /v1/messages/count_tokens``: validate, plan, account, render.

`create` runs one Messages request through the emulator: an injected HTTP fault first (the API
rate-limits before it validates), then `rules.validate_messages_request`, the synthetic model
(`synth.plan_reply`), prompt-cache accounting (`cache`), `render` (limits, usage, signatures) and,
for ``stream: true``, the pre-encoded SSE chunks with their latency delays; a stream fault then
cuts the chunks (``event: error``, dropped or stalled connection). `reply` is the shared core
that batches reuse. ``usage.input_tokens + cache_creation + cache_read`` always equals what
`count_tokens` answers for the same request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.core import ModelInfo
from labkit.emulator.rules import _validate as rules
from labkit.emulator.rules import reply_prefix
from labkit.emulator.serving._faults import FaultPlan
from labkit.emulator.serving._render import Envelope, Final, finalize, message_dict, sign_blocks, stream_events
from labkit.emulator.serving._response import EmulatorResponse, json_response
from labkit.emulator.serving._sse import encode_stream, error_event
from labkit.tokens import count_request_tokens

if TYPE_CHECKING:
    from labkit.emulator.serving._emulator import Emulator


def reply(
    emu: Emulator, params: dict[str, Any], model: ModelInfo, *, service_tier: str, delivered: bool = True
) -> tuple[Final, Envelope]:
    """The finalized, signed reply to a validated request, and its envelope (ids, usage).

    ``delivered=False`` (a stream fault will cut the reply) plans the same sample again next time:
    a reply the client never received does not count as one of the model's answers.
    """
    usage_in = emu.cache.account(params, count_request_tokens(params))
    plan = emu.plan(params, model, advance=delivered)
    message_id = emu.next_message_id()
    stops = tuple(str(s) for s in params.get("stop_sequences") or ())
    final = finalize(plan, max_tokens=int(params["max_tokens"]), stop_sequences=stops, message_id=message_id)
    model_id = str(params["model"])

    def sign(block: dict[str, Any], earlier: list[dict[str, Any]]) -> str:
        return emu.signer.sign(block["thinking"], model=model_id, prefix=reply_prefix(params, earlier))

    sign_blocks(final, sign)
    envelope = Envelope(
        message_id=message_id,
        model=model_id,
        usage_in=usage_in,
        reports_thinking_tokens=model.reports_thinking_tokens,
        service_tier=service_tier,
    )
    return final, envelope


def create(emu: Emulator, params: Any, headers: dict[str, str], request_id: str) -> EmulatorResponse:
    """``POST /v1/messages``. Raises `ApiProblem` for rejected requests and injected HTTP faults."""
    streaming = isinstance(params, dict) and params.get("stream") is True
    fault = emu.draw_fault("messages")
    if fault is not None and emu.faults is not None:
        problem = emu.faults.http_problem(fault, streaming=streaming)
        if problem is not None:
            raise problem
    model = rules.validate_messages_request(params, headers, signer=emu.signer)
    final, envelope = reply(emu, params, model, service_tier="standard", delivered=fault is None)
    if not streaming:
        response = json_response(200, message_dict(final, envelope))
        pacing = [("text", 0), ("thinking", final.thinking_tokens), ("text", final.visible_tokens)]
        response.delay_s = emu.latency.total_delay(pacing)
    else:
        events, pacing = stream_events(final, envelope)
        chunks = encode_stream(events)
        response = EmulatorResponse(status=200, headers={"content-type": "text/event-stream"}, chunks=chunks)
        if not emu.latency.is_zero:
            response.delays = emu.latency.delays(pacing)
    if fault is not None and emu.faults is not None:
        break_response(response, fault, emu.faults, request_id)
    return response


def break_response(response: EmulatorResponse, kind: str, plan: FaultPlan, request_id: str) -> None:
    """Cut a response for a stream fault: error event, dropped or stalled connection."""
    if response.chunks is None:
        # A non-streamed body: half of it arrives, then the connection drops or stalls.
        response.headers["content-length"] = str(len(response.body))
        response.chunks = [response.body[: len(response.body) // 2]]
        response.body = b""
    else:
        keep = max(1, min(plan.after_events, len(response.chunks) - 1))
        response.chunks = response.chunks[:keep]
        if response.delays is not None:
            response.delays = response.delays[:keep]
        if kind == "stream_error":
            response.chunks.append(error_event("overloaded_error", "Overloaded (emulated fault)", request_id))
            return
    response.interrupt = "drop" if kind == "drop" else "stall"
    response.stall_s = plan.stall_s


def count_tokens(emu: Emulator, params: Any, headers: dict[str, str]) -> EmulatorResponse:
    """``POST /v1/messages/count_tokens``: ``{"input_tokens": n}`` with the emulator's tokenizer."""
    rules.validate_count_tokens_request(params, headers, signer=emu.signer)
    return json_response(200, {"input_tokens": count_request_tokens(params)})
