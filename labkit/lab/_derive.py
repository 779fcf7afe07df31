"""Recompute a `Trial` from what the store keeps: owns `derive_trial` and `rederive_rows`.

Inputs are the request params, the knobs, the task and the raw stream events (dicts as received,
each with ``t``: seconds since its request started, and ``turn``: the tool-loop turn it belongs
to, 0 when absent). Nothing is requested again.

- completion: per turn ``accumulate(convert_stream(events))`` (`labkit.convert`, `labkit.convert`)
  with the trial's inner-thoughts strategy; the trial's completion is the last turn's. A stream that
  ended early or carried an ``error`` event gives ``status="error"`` with the partial completion.
- tokens and cost: per turn, the ``message_start`` usage overwritten by every cumulative
  ``message_delta`` usage (`labkit.tokens.token_record`; unreported thinking is estimated from the
  turn's visible text), priced per turn (`labkit.tokens.price`), then summed over turns.
- timings (summed over turns): ``ttft_s`` = first ``content_block_delta`` of the first turn that has
  one; ``thinking_s`` = from each thinking block's start to its stop; ``answer_s`` = from the first
  text / tool-input delta to ``message_stop``; ``total_s`` = the measured wall time when given, else
  the last event of each turn. Batch trials have no timings (their events all carry ``t=0``).
- answer / correct: `labkit.tasks.extract_answer` and `labkit.tasks.score` on the last turn's text
  when the task has an answer; otherwise the answer is that text and ``correct`` is None.
- tool calls: counted over all turns; valid when every call names a tool of the request and its
  arguments are a JSON object holding every required property (``inner_thoughts`` aside).
Pure: no I/O, no clock.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from labkit.core import (
    ChatCompletion,
    ConversionError,
    IncompleteStreamError,
    InnerThoughts,
    LabkitError,
    UnknownModelError,
    get_model,
)
from labkit.lab._trial import Knobs, Status, Timings, Trial
from labkit.tokens import CostSplit, TokenRecord, price, sum_costs, sum_tokens, token_record

_ANSWER_DELTAS = ("text_delta", "input_json_delta")


@dataclass(frozen=True, slots=True)
class _Turn:
    completion: ChatCompletion | None
    usage: dict[str, Any] | None
    tokens: TokenRecord | None
    error_type: str | None
    error_message: str | None


def _clean(event: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in ("t", "turn")}


def split_turns(events: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Events grouped by their ``turn`` index, in turn order."""
    turns: dict[int, list[Mapping[str, Any]]] = {}
    for event in events:
        turns.setdefault(int(event.get("turn") or 0), []).append(event)
    return [turns[i] for i in sorted(turns)]


def inner_thoughts_of(knobs: Knobs | Mapping[str, Any]) -> InnerThoughts | None:
    """The converter's inner-thoughts setting from a trial's knobs (None unless kwargs or xml)."""
    values = knobs.as_dict() if isinstance(knobs, Knobs) else knobs
    strategy = values.get("strategy")
    if strategy not in ("kwargs", "xml", "xml+prefill"):  # "xml" with prefill: rows stored before "xml+prefill"
        return None
    tag = values.get("tag") or "thinking"
    prefill = strategy == "xml+prefill" or (bool(values.get("prefill")) and strategy == "xml")
    return _inner_thoughts("kwargs" if strategy == "kwargs" else "xml", tag, prefill)


@functools.lru_cache(maxsize=64)
def _inner_thoughts(strategy: Literal["kwargs", "xml"], tag: str, prefill: bool) -> InnerThoughts:
    """One validated (frozen) setting per distinct knob values: a sweep derives thousands of trials of a few."""
    return InnerThoughts(strategy=strategy, tag=tag, prefill=prefill)


def merged_usage(events: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The ``message_start`` usage with every ``message_delta`` usage assigned over it (None: no usage)."""
    usage: dict[str, Any] | None = None
    for event in events:
        if event.get("type") == "message_start":
            usage = dict((event.get("message") or {}).get("usage") or {})
        elif event.get("type") == "message_delta" and event.get("usage"):
            usage = {**(usage or {}), **{k: v for k, v in event["usage"].items() if v is not None}}
    return usage


def _texts(events: Iterable[Mapping[str, Any]]) -> tuple[str | None, str]:
    """(visible thinking text, or None without a thinking block; visible text + tool-call JSON)."""
    has_thinking = False
    thinking: list[str] = []
    visible: list[str] = []
    for event in events:
        kind = event.get("type")
        if kind == "content_block_start":
            if (event.get("content_block") or {}).get("type") in ("thinking", "redacted_thinking"):
                has_thinking = True
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "thinking_delta":
                has_thinking = True
                thinking.append(str(delta.get("thinking", "")))
            elif delta.get("type") == "text_delta":
                visible.append(str(delta.get("text", "")))
            elif delta.get("type") == "input_json_delta":
                visible.append(str(delta.get("partial_json", "")))
    return ("".join(thinking) if has_thinking else None), "".join(visible)


def _stream_error(exc: IncompleteStreamError) -> tuple[str, str]:
    error: Any = exc.error if isinstance(exc.error, Mapping) else None
    if isinstance(error, Mapping) and isinstance(error.get("error"), Mapping):
        error = error["error"]  # a whole error event body rather than its "error" member
    if isinstance(error, Mapping) and error.get("type"):
        return str(error["type"]), str(error.get("message") or exc)
    return "incomplete_stream", str(exc)


_Converted = tuple[ChatCompletion | None, str | None, str | None]


def _convert(events: list[dict[str, Any]], inner: InnerThoughts | None) -> _Converted:
    from labkit.convert import accumulate, convert_stream

    try:
        return accumulate(convert_stream(events, inner_thoughts=inner)), None, None
    except IncompleteStreamError as exc:
        partial = exc.partial if isinstance(exc.partial, ChatCompletion) else None
        return partial, *_stream_error(exc)
    except ConversionError as exc:
        return None, "ConversionError", str(exc)


def _turn(events: list[Mapping[str, Any]], inner: InnerThoughts | None, known: ChatCompletion | None) -> _Turn:
    completion: ChatCompletion | None
    if known is not None and _ended(events):
        completion, error_type, error_message = known, None, None
    elif events:
        completion, error_type, error_message = _convert([_clean(e) for e in events], inner)
    else:
        completion, error_type, error_message = None, None, None
    usage = merged_usage(events)
    tokens = None
    if usage is not None:
        if (usage.get("output_tokens_details") or {}).get("thinking_tokens") is not None:
            tokens = token_record(usage)
        else:
            thinking_text, visible_text = _texts(events)
            tokens = token_record(usage, thinking_text=thinking_text, visible_text=visible_text)
    return _Turn(completion, usage, tokens, error_type, error_message)


def _cost(model: str, records: Sequence[TokenRecord], batch: bool) -> CostSplit | None:
    try:  # a model the catalog does not know (the request's, or an advisor's) has no price: no guess
        info = get_model(model)
        return sum_costs([price(r, info, batch=batch) for r in records])
    except UnknownModelError:
        return None


def _turn_timings(events: Sequence[Mapping[str, Any]]) -> tuple[float | None, float, float, float]:
    """(ttft, thinking span, answer span, last event time) of one turn."""
    ttft = answer_start = stop = None
    thinking = 0.0
    opened: dict[Any, float] = {}
    for event in events:
        t, kind = float(event.get("t") or 0.0), event.get("type")
        if kind == "content_block_start" and (event.get("content_block") or {}).get("type") in (
            "thinking", "redacted_thinking",
        ):  # fmt: skip
            opened[event.get("index")] = t
        elif kind == "content_block_stop" and event.get("index") in opened:
            thinking += t - opened.pop(event.get("index"))
        elif kind == "content_block_delta":
            ttft = t if ttft is None else ttft
            if (event.get("delta") or {}).get("type") in _ANSWER_DELTAS and answer_start is None:
                answer_start = t
        elif kind == "message_stop":
            stop = t
    last = float(events[-1].get("t") or 0.0) if events else 0.0
    answer = ((stop if stop is not None else last) - answer_start) if answer_start is not None else 0.0
    return ttft, thinking, answer, last


def timings(turns: Sequence[Sequence[Mapping[str, Any]]], *, total_s: float | None = None) -> Timings:
    """Trial timings from per-turn events (see the module docstring)."""
    if not turns:
        return Timings(total_s=total_s)
    parts = [_turn_timings(events) for events in turns]
    ttft = next((p[0] for p in parts if p[0] is not None), None)
    return Timings(
        ttft_s=ttft,
        thinking_s=sum(p[1] for p in parts),
        answer_s=sum(p[2] for p in parts),
        total_s=total_s if total_s is not None else sum(p[3] for p in parts),
    )


def _tool_specs(params: Mapping[str, Any]) -> dict[str, set[str]]:
    specs: dict[str, set[str]] = {}
    for tool in params.get("tools") or []:
        if isinstance(tool, Mapping) and tool.get("name"):
            schema = tool.get("input_schema") or {}
            specs[str(tool["name"])] = {r for r in schema.get("required") or [] if r != "inner_thoughts"}
    return specs


def tool_call_stats(completions: Iterable[ChatCompletion | None], params: Mapping[str, Any]) -> tuple[int, bool | None]:
    """(number of tool calls, whether all are valid for the request's tools; None without calls)."""
    specs, count, valid = _tool_specs(params), 0, True
    for completion in completions:
        if completion is None or not completion.choices:
            continue
        for call in completion.choices[0].message.tool_calls or []:
            count += 1
            try:
                args = json.loads(call.function.arguments or "{}")
            except json.JSONDecodeError:
                valid = False
                continue
            name = call.function.name
            valid = valid and name in specs and isinstance(args, dict) and specs[name] <= set(args)
    return count, (valid if count else None)


def _reply_text(completion: ChatCompletion | None) -> str | None:
    if completion is None or not completion.choices:
        return None
    content = completion.choices[0].message.content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content)
    return content


def _score(task: Any, text: str | None) -> tuple[str | None, bool | None]:
    """(answer, correct); a task with an answer and a reply without text (cut off while thinking) is wrong."""
    if task is None or getattr(task, "answer", None) is None:
        return text, None
    if text is None:
        return None, False
    from labkit.tasks import extract_answer, score

    return extract_answer(text), bool(score(task, text))


def _reasoning(completions: Iterable[ChatCompletion | None]) -> str | None:
    parts = [c.choices[0].message.reasoning_content for c in completions if c is not None and c.choices]
    joined = "\n\n".join(p for p in parts if p)
    return joined or None


def derive_trial(
    *,
    trial_key: str,
    backend: str,
    model: str,
    params: Mapping[str, Any],
    knobs: Knobs | Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    task: Any = None,
    repeat: int = 0,
    experiment: str | None = None,
    error_type: str | None = None,
    error_message: str | None = None,
    total_s: float | None = None,
    batch: bool = False,
    cached: bool = False,
    created_at: str | None = None,
    completions: Sequence[ChatCompletion | None] | None = None,
    endpoint: str | None = None,
    capabilities: str | None = None,
) -> Trial:
    """The `Trial` the stored inputs describe. ``error_type`` / ``error_message`` record a failure
    the events cannot show (a transport error, a stall); they win over what the events say.

    ``completions`` (optional, one per turn) are completions the caller already converted live from
    the same events; a turn that reached ``message_stop`` uses its own instead of converting again.
    """
    knob_values = knobs if isinstance(knobs, Knobs) else Knobs.from_dict(knobs)
    inner = inner_thoughts_of(knob_values)
    turn_events = split_turns(events)
    known = list(completions or [])
    known += [None] * (len(turn_events) - len(known))
    turns = [_turn(list(evs), inner, known[i]) for i, evs in enumerate(turn_events)]
    last = turns[-1] if turns else None
    completion = last.completion if last else None
    records = [t.tokens for t in turns if t.tokens is not None]
    error_type = error_type or (last.error_type if last else None) or (None if completion else "no_response")
    error_message = error_message or (last.error_message if last else None)
    status: Status = "error" if error_type else "ok"
    answer, correct = _score(task, _reply_text(completion))
    count, valid = tool_call_stats([t.completion for t in turns], params)
    stop_reason = completion.choices[0].stop_reason if completion and completion.choices else None
    last_usage = last.usage if last else None
    return Trial(
        trial_key=trial_key, backend=backend, model=model, knobs=knob_values, experiment=experiment,
        task_id=getattr(task, "id", None), category=getattr(task, "category", None), repeat=repeat,
        status=status, completion=completion, tokens=sum_tokens(records) if records else None,
        cost=_cost(model, records, batch) if records else None,
        timings=Timings(total_s=total_s) if batch else timings(turn_events, total_s=total_s),
        stop_reason=stop_reason, answer=answer, reasoning=_reasoning(t.completion for t in turns),
        tool_calls=count, tool_calls_valid=valid, correct=correct if status == "ok" else None, cached=cached,
        batch=batch, error_type=error_type, error_message=error_message, events=len(events), created_at=created_at,
        synthetic=backend == "emulator" or _synthetic_ids(events),
        service_tier=_reported(last_usage, "service_tier"), inference_geo=_reported(last_usage, "inference_geo"),
        endpoint=endpoint, capabilities=capabilities,
    )  # fmt: skip


def _reported(usage: Mapping[str, Any] | None, name: str) -> str | None:
    """A string field of the usage as reported (None when absent, null or empty)."""
    value = (usage or {}).get(name)
    return value if isinstance(value, str) and value else None


SYNTHETIC_ID_PREFIX = "msg_synth_"
"""How labkit's emulator names its messages, also when it is reached over HTTP as a base URL."""


def _synthetic_ids(events: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a message in ``events`` was named by labkit's emulator."""
    for event in events:
        if event.get("type") == "message_start":
            return str((event.get("message") or {}).get("id", "")).startswith(SYNTHETIC_ID_PREFIX)
    return False


def _ended(events: Sequence[Mapping[str, Any]]) -> bool:
    return bool(events) and events[-1].get("type") == "message_stop"


def rederive_rows(stored: Iterable[Any], tasks: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Fresh rows for stored trials (`labkit.lab.StoredTrial`s), recomputed from their events.

    ``tasks`` maps task ids to tasks (default: every suite `labkit.tasks.load_tasks` knows). A row
    whose task is not found keeps its old ``answer`` / ``correct``; a row stored without events or
    whose events stop short keeps its recorded error; skipped rows are kept as they are.
    """
    if tasks is None:
        tasks = _known_tasks()
    rows = []
    for item in stored:
        row = dict(item.row)
        if row.get("status") == "skipped":
            rows.append(row)
            continue
        task = tasks.get(row.get("task_id") or "")
        keep_error = not _ended(item.events) or row.get("error_type") in ("stream_stalled",)
        trial = derive_trial(
            trial_key=item.trial_key, backend=row["backend"], model=row["model"], params=item.params or {},
            knobs=Knobs.from_dict(row), events=item.events, task=task, repeat=row.get("repeat") or 0,
            experiment=item.experiment, error_type=row.get("error_type") if keep_error else None,
            error_message=row.get("error_message") if keep_error else None, total_s=row.get("total_s"),
            batch=bool(row.get("batch")), cached=bool(row.get("cached")), created_at=row.get("created_at"),
            endpoint=row.get("endpoint"), capabilities=row.get("capabilities"),
        )  # fmt: skip
        if task is None:
            trial = replace(trial, task_id=row.get("task_id"), category=row.get("category"),
                            answer=row.get("answer"), correct=row.get("correct"))  # fmt: skip
        rows.append(trial.row())
    return rows


def _known_tasks() -> dict[str, Any]:
    try:
        from labkit.tasks import load_tasks

        return {task.id: task for task in load_tasks()}
    except (ImportError, OSError, LabkitError):  # no task suites here: rows keep their old scores
        return {}
