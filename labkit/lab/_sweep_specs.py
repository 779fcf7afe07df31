"""From what a user passes to `Lab` to `TrialSpec`s, and from recorded turns back to a `Trial`.

- `normalise_tasks` / `normalise_configs`: tasks are `labkit.tasks.Task` objects or plain prompt
  strings (a prompt gets the id ``prompt-<sha1 prefix>``); configs are `Config`s or dicts of
  their fields. Empty lists and wrong types are a `ConfigError` before any request.
- `build_specs`: configs x tasks x repeats, each with its first-turn request prepared by
  ``prepare_request`` (so an invalid combination fails here, before anything is sent) and its
  trial key (`labkit.lab.trial_key`).
- `next_turn`: the tool loop: the assistant turn (thinking blocks kept for replay) plus one tool
  result per call (`labkit.tasks.run_tool`); None when the turn did not ask for tools.
- `finish_trial`: the stored `Trial` for a spec's final attempt, via `labkit.lab`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from labkit.core import ConfigError, LabkitError, get_model
from labkit.lab._client import RecordedStream, turn_events
from labkit.lab._experiment import Config
from labkit.lab._runner import TrialSpec
from labkit.lab._trial import Knobs, Trial, canonical_params, key_json, scrub, trial_key


@dataclass(frozen=True)
class PromptTask:
    """A plain prompt used as a task: no answer to score against, no category."""

    id: str
    prompt: str
    answer: str | None = None
    category: str | None = None
    tools: tuple[dict[str, Any], ...] = ()


def normalise_tasks(tasks: Iterable[Any] | Any) -> list[Any]:
    if isinstance(tasks, str) or hasattr(tasks, "prompt"):
        tasks = [tasks]
    try:
        items = list(tasks)
    except TypeError:
        raise ConfigError(
            f"tasks must be a Task, a prompt string or a list of them, not {type(tasks).__name__}") from None
    if not items:
        raise ConfigError("the task list is empty: nothing to run")
    out: list[Any] = []
    for item in items:
        if isinstance(item, str):
            if not item.strip():
                raise ConfigError("a prompt task is an empty string")
            out.append(PromptTask(id="prompt-" + hashlib.sha1(item.encode()).hexdigest()[:10], prompt=item))
        elif isinstance(getattr(item, "prompt", None), str) and getattr(item, "id", None):
            out.append(item)
        else:
            raise ConfigError(f"a task must be a labkit.tasks.Task or a prompt string, not {type(item).__name__}")
    return out


def normalise_configs(configs: Iterable[Config | dict[str, Any]] | Config) -> list[Config]:
    if isinstance(configs, Config | dict):
        configs = [configs]
    items = [c if isinstance(c, Config) else Config(**c) if isinstance(c, dict) else _bad_config(c) for c in configs]
    if not items:
        raise ConfigError("the config list is empty: nothing to run")
    return items


def _bad_config(value: Any) -> Config:
    raise ConfigError(f"a config must be a labkit Config or a dict of its fields, not {type(value).__name__}")


def task_tools(task: Any) -> list[dict[str, Any]] | None:
    """A task's own tools as OpenAI-style function tools (names resolve through `labkit.tasks.TOOL_SPECS`)."""
    tools = list(getattr(task, "tools", None) or ())
    out = []
    for tool in tools:
        if isinstance(tool, str):
            from labkit.tasks import TOOL_SPECS

            specs = {spec["function"]["name"]: spec for spec in TOOL_SPECS}
            if tool not in specs:
                raise ConfigError(f"task {getattr(task, 'id', '?')!r} names unknown tool {tool!r}")
            tool = specs[tool]
        elif "input_schema" in tool:
            tool = {"type": "function", "function": {"name": tool["name"], "description": tool.get("description"),
                                                     "parameters": tool["input_schema"]}}
        out.append(dict(tool))
    return out or None


def build_specs(
    experiment: str, backend: str, tasks: list[Any], configs: list[Config], repeats: int
) -> list[TrialSpec]:
    specs = []
    for config in configs:
        knobs = knobs_of(config).as_dict()
        source = get_model(config.model).source  # "live" inside the Lab's live_capabilities block
        for task in tasks:
            messages = [{"role": "user", "content": task.prompt}]
            tools = task_tools(task)
            params = config.prepare(messages, tools)
            for repeat, key in enumerate(trial_keys(backend, config.model, params, knobs, repeats)):
                specs.append(TrialSpec(experiment=experiment, key=key, config=config, params=params,
                                       messages=messages, tools=tools, repeat=repeat, task=task,
                                       capabilities=source))
    return specs


def trial_keys(backend: str, model: str, params: dict[str, Any], knobs: dict[str, Any], repeats: int) -> list[str]:
    """`labkit.lab.trial_key` for repeats 0..n-1, canonicalising the params once, not once a repeat.

    The fast path rebuilds the key payload from trial.py's own public helpers; the first time in a
    process it is checked against ``trial_key`` itself, and if they ever differ every key comes
    from ``trial_key`` from then on.
    """
    payload = {"backend": backend, "model": model, "params": canonical_params(params),
               "knobs": json.loads(_knobs_json(key_json(knobs))), "repeat": 0}
    text = key_json(payload)
    tail = '"repeat":0}'
    prefix = hashlib.sha256(text.removesuffix(tail).encode("utf-8"))
    if _FAST_KEYS["checked"] is False:
        _FAST_KEYS["checked"] = True
        _FAST_KEYS["ok"] = text.endswith(tail) and _finish(prefix, 0) == trial_key(backend, model, params, knobs, 0)
    if not (_FAST_KEYS["ok"] and text.endswith(tail)):
        return [trial_key(backend, model, params, knobs, r) for r in range(repeats)]
    return [_finish(prefix, r) for r in range(repeats)]


_FAST_KEYS = {"checked": False, "ok": False}


@functools.lru_cache(maxsize=256)
def _knobs_json(text: str) -> str:
    """The scrubbed knobs of a key as JSON (one config's knobs are the same for all its tasks)."""
    return json.dumps(scrub(json.loads(text)))


def _finish(prefix: Any, repeat: int) -> str:
    hasher = prefix.copy()
    hasher.update(f'"repeat":{repeat}}}'.encode())
    return str(hasher.hexdigest())


def knobs_of(config: Config) -> Knobs:
    return config.trial_knobs()


def next_turn(spec: TrialSpec, messages: list[dict[str, Any]], record: RecordedStream) -> list[dict[str, Any]] | None:
    """The conversation after ``record``'s tool calls are answered, or None when it asked for none."""
    if record.stop_reason != "tool_use":
        return None
    completion = record.completion
    if completion is None or not completion.choices:
        return None
    message = completion.choices[0].message
    if not message.tool_calls or completion.choices[0].finish_reason != "tool_calls":
        return None
    from labkit.tasks import run_tool

    following = [*messages, message.model_dump(exclude_none=True)]
    for call in message.tool_calls:
        try:
            result = run_tool(call.function.name, json.loads(call.function.arguments or "{}"))
        except (ValueError, LabkitError) as exc:
            result = f"Error: {exc}"
        following.append({"role": "tool", "tool_call_id": call.id, "content": result})
    return following


def finish_trial(backend: str, spec: TrialSpec, turns: list[RecordedStream], *, batch: bool = False,
                 endpoint: str | None = None) -> Trial:  # fmt: skip
    """The `Trial` for a spec's final attempt (``turns``), derived from its recorded events."""
    from labkit.lab._derive import derive_trial

    last = turns[-1] if turns else None
    return derive_trial(
        experiment=spec.experiment, trial_key=spec.key, backend=backend, model=spec.config.model,
        knobs=knobs_of(spec.config), task=spec.task, repeat=spec.repeat, params=spec.params,
        events=turn_events(turns),
        error_type=last.error_type if last else None, error_message=last.error_message if last else None,
        total_s=sum(t.total_s for t in turns), batch=batch, created_at=datetime.now(UTC).isoformat(),
        endpoint=endpoint, capabilities=spec.capabilities,
    )  # fmt: skip


COUNT_TOKENS_KEYS = ("model", "messages", "system", "tools", "tool_choice", "thinking", "output_config")


def count_tokens_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The part of prepared ``messages.create`` kwargs that ``messages.count_tokens`` takes."""
    return {k: v for k, v in params.items() if k in COUNT_TOKENS_KEYS}


def count_request_key(backend: str, params: dict[str, Any]) -> str:
    """Hash naming one ``count_tokens`` question (backend identity + what is counted), for the store's cache."""
    text = json.dumps({"backend": backend, **count_tokens_kwargs(params)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def estimate_rows(client: Any, specs: list[TrialSpec], repeats: int) -> list[dict[str, Any]]:
    """One priced row per (config, task): input by ``count_tokens`` (the local estimate beside it),
    output at its ``max_tokens`` ceiling, both times ``repeats``. Sends no ``messages.create``."""
    import anthropic

    from labkit.tokens import estimate_request

    rows = []
    for spec in specs:
        config, params = spec.config, spec.params
        local = estimate_request(params).total
        try:
            counted = client.messages.count_tokens(**count_tokens_kwargs(params))
            input_tokens, source = int(counted.input_tokens), "count_tokens"
        except anthropic.AnthropicError:  # an API error, or a platform without count_tokens (Bedrock)
            input_tokens, source = local, "estimated"
        prices = config.info.prices_for(input_tokens)
        cost_in = input_tokens * prices.input / 1e6 * repeats
        cost_out = config.max_tokens * prices.output / 1e6 * repeats
        knobs = config.trial_knobs()
        rows.append({
            "model": config.model, "label": config.label, "thinking_mode": knobs.thinking_mode,
            "budget_tokens": knobs.budget_tokens, "effort": knobs.effort, "strategy": knobs.strategy,
            "prefill": knobs.prefill, "task_id": getattr(spec.task, "id", None),
            "category": getattr(spec.task, "category", None), "repeats": repeats,
            "input_tokens": input_tokens, "input_source": source, "input_tokens_estimated": local,
            "output_tokens_max": config.max_tokens, "cost_input_usd": cost_in, "cost_output_max_usd": cost_out,
            "cost_max_usd": cost_in + cost_out,
        })  # fmt: skip
    return rows
