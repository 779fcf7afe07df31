"""``POST /v1/messages`` and ``POST /v1/messages/count_tokens``: validate, plan, account, render.

`MessagesEndpoint.create` runs one Messages request: an injected HTTP fault first (the API
rate-limits before it validates), then the rules (`labkit.emulator.rules`), the synthetic model
(through the `Sampler`), prompt-cache accounting (`PromptCache`), rendering (limits, usage,
signatures) and, for ``stream: true``, the pre-encoded SSE chunks with their latency delays; a
stream fault then cuts the chunks (``event: error``, dropped or stalled connection). `reply` is the
shared core that batch items reuse (`batch_result`). ``usage.input_tokens + cache_creation +
cache_read`` always equals what `count_tokens` answers for the same request.

The endpoint is given every collaborator it uses (signer, cache, sampler, ids, latency, faults);
it never reaches into the `Emulator` that wires it.
"""

from __future__ import annotations

from typing import Any

from labkit.core import ModelInfo
from labkit.emulator.rules import (
    ApiProblem,
    Signer,
    reply_prefix,
    validate_count_tokens_request,
    validate_messages_request,
)
from labkit.emulator.serving._cache import PromptCache
from labkit.emulator.serving._faults import FaultPlan
from labkit.emulator.serving._ids import IdMinter
from labkit.emulator.serving._latency import LatencyProfile
from labkit.emulator.serving._render import Envelope, Final, finalize, message_dict, sign_blocks, stream_events
from labkit.emulator.serving._response import EmulatorResponse, json_response
from labkit.emulator.serving._sampler import Sampler
from labkit.emulator.serving._sse import encode_stream, error_event
from labkit.tokens import count_request_tokens


class MessagesEndpoint:
    """The Messages and count_tokens endpoints over their collaborators."""

    def __init__(self, *, signer: Signer, cache: PromptCache, sampler: Sampler, ids: IdMinter,
                 latency: LatencyProfile, faults: FaultPlan | None) -> None:  # fmt: skip
        self.signer, self.cache, self.sampler, self.ids = signer, cache, sampler, ids
        self.latency, self.faults = latency, faults

    def reply(
        self, params: dict[str, Any], model: ModelInfo, *, service_tier: str, delivered: bool = True
    ) -> tuple[Final, Envelope]:
        """The finalized, signed reply to a validated request, and its envelope (ids, usage).

        ``delivered=False`` (a stream fault will cut the reply) plans the same sample again next
        time: a reply the client never received does not count as one of the model's answers.
        """
        usage_in = self.cache.account(params, count_request_tokens(params))
        plan = self.sampler.plan(params, model, advance=delivered)
        message_id = self.ids.message_id()
        stops = tuple(str(s) for s in params.get("stop_sequences") or ())
        final = finalize(plan, max_tokens=int(params["max_tokens"]), stop_sequences=stops, message_id=message_id)
        model_id = str(params["model"])

        def sign(block: dict[str, Any], earlier: list[dict[str, Any]]) -> str:
            return self.signer.sign(block["thinking"], model=model_id, prefix=reply_prefix(params, earlier))

        sign_blocks(final, sign)
        envelope = Envelope(
            message_id=message_id,
            model=model_id,
            usage_in=usage_in,
            reports_thinking_tokens=model.reports_thinking_tokens,
            service_tier=service_tier,
        )
        return final, envelope

    def draw_fault(self, endpoint: str) -> str | None:
        """The injected fault for this request to ``endpoint``, if any."""
        if self.faults is None or not self.faults.applies_to(endpoint):
            return None
        return self.faults.draw()

    def create(self, params: Any, headers: dict[str, str], request_id: str) -> EmulatorResponse:
        """``POST /v1/messages``. Raises `ApiProblem` for rejected requests and injected HTTP faults."""
        streaming = isinstance(params, dict) and params.get("stream") is True
        fault = self.draw_fault("messages")
        if fault is not None and self.faults is not None:
            problem = self.faults.http_problem(fault, streaming=streaming)
            if problem is not None:
                raise problem
        model = validate_messages_request(params, headers, signer=self.signer)
        final, envelope = self.reply(params, model, service_tier="standard", delivered=fault is None)
        if not streaming:
            response = json_response(200, message_dict(final, envelope))
            pacing = [("text", 0), ("thinking", final.thinking_tokens), ("text", final.visible_tokens)]
            response.delay_s = self.latency.total_delay(pacing)
        else:
            events, pacing = stream_events(final, envelope)
            response = EmulatorResponse(status=200, headers={"content-type": "text/event-stream"},
                                        chunks=encode_stream(events))
            if not self.latency.is_zero:
                response.delays = self.latency.delays(pacing)
        if fault is not None and self.faults is not None:
            break_response(response, fault, self.faults, request_id)
        return response

    def count_tokens(self, params: Any, headers: dict[str, str]) -> EmulatorResponse:
        """``POST /v1/messages/count_tokens``: ``{"input_tokens": n}`` with the emulator's tokenizer."""
        validate_count_tokens_request(params, headers, signer=self.signer)
        return json_response(200, {"input_tokens": count_request_tokens(params)})

    def batch_result(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """One batch item: a succeeded message or the error the API would have answered."""
        try:
            model = validate_messages_request(params, headers, signer=self.signer)
            final, envelope = self.reply(params, model, service_tier="batch")
        except ApiProblem as problem:
            return {"type": "errored", "error": problem.body(self.ids.request_id())}
        return {"type": "succeeded", "message": message_dict(final, envelope)}


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
