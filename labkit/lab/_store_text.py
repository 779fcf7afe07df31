"""What the store writes: compact JSON with every secret dropped or redacted, and a trial's statements.

Two rules, applied to every text `labkit.lab.Store` writes (rows, params, knobs, completions,
events): a dict key matching `labkit.lab.SECRET_KEY` is dropped wherever it is nested (`scrub`),
and the value of each `SECRET_ENV_VARS` variable set now is replaced by `REDACTED` wherever it
appears. The key rule first looks for the four spellings every matching key contains in a
lower-cased copy (ten times a regex search over a trial's events), and only parses and rewrites a
text that has one. Pure apart from reading the environment.

A trial's texts (`trial_texts`) are built here too; its events are stored zlib-compressed
(`compressed`), at level 1 with a window no larger than the text: about the size the default
32 KB window gives (0.05% larger over the recorded real traffic), and for a trial's few kilobytes a
quarter of the time, most of which went into setting up the large window.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import pydantic_core

from labkit.core import StoreError
from labkit.lab._row_table import upsert_sql, upsert_values
from labkit.lab._trial import Trial, scrub

__all__ = [
    "REDACTED", "SECRET_ENV_VARS", "SECRET_NAMES", "TrialInputs", "TrialTexts", "clean_row", "compressed",
    "decompressed", "env_secrets", "json_text", "scrubbed", "to_json", "trial_texts", "trial_writes",
]  # fmt: skip

SECRET_ENV_VARS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
REDACTED = "[redacted]"
SECRET_NAMES = ("apikey", "api_key", "api-key", "authorization")
"""Every spelling `labkit.lab.SECRET_KEY` matches contains one of these (lower-cased)."""


def env_secrets() -> tuple[str, ...]:
    """The values of `SECRET_ENV_VARS` set now (8 characters or more: shorter ones are no key and
    would redact ordinary words). The store reads them once per trial, not once per text."""
    found = (os.environ.get(var) for var in SECRET_ENV_VARS)
    return tuple(secret for secret in found if secret and len(secret) >= 8)


def to_json(value: Any) -> str:
    """Compact JSON by pydantic-core's encoder (several times json.dumps' speed; what it cannot encode
    becomes ``str(value)``); json.dumps for what it refuses (bytes that are not UTF-8)."""
    try:
        return pydantic_core.to_json(value, fallback=str).decode("utf-8")
    except (ValueError, TypeError, UnicodeDecodeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def scrubbed(text: str, secrets: tuple[str, ...] | None = None) -> str:
    """JSON ``text`` with every secret-named key dropped and every one of ``secrets`` (default: the
    environment's, `env_secrets`) redacted."""
    lowered = text.lower()
    if any(name in lowered for name in SECRET_NAMES):  # only a text that may hold such a key is parsed
        text = json.dumps(scrub(json.loads(text)), ensure_ascii=False, separators=(",", ":"))
    for secret in env_secrets() if secrets is None else secrets:
        text = text.replace(secret, REDACTED)
    return text


def json_text(value: Any, secrets: tuple[str, ...] | None = None) -> str:
    """``value`` as compact JSON, secrets dropped and redacted (see `scrubbed`)."""
    return scrubbed(to_json(value), secrets)


def clean_row(row: dict[str, Any], secrets: tuple[str, ...] | None = None) -> tuple[str, dict[str, Any]]:
    """The row as scrubbed JSON, and as the dict that JSON holds (the row itself when nothing was scrubbed)."""
    raw = to_json(row)
    text = scrubbed(raw, secrets)
    return text, (row if text == raw else json.loads(text))


def compressed(text: str) -> bytes:
    """``text`` as UTF-8, zlib-compressed at level 1 (fast, about 5x smaller) with a window just large
    enough for it (4 to 32 KB); `decompressed` and any zlib reader read it back."""
    data = text.encode("utf-8")
    window = min(15, max(12, len(data).bit_length()))
    packer = zlib.compressobj(1, zlib.DEFLATED, window, 7)  # memory level 7: as fast to set up as less
    return packer.compress(data) + packer.flush()


def decompressed(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


@dataclass(frozen=True, slots=True)
class TrialTexts:
    """What the store writes for one trial, every secret dropped or redacted."""

    row: str
    clean_row: dict[str, Any]
    """The row as its text holds it: the row itself when nothing was scrubbed."""
    params: str | None
    knobs: str | None
    completion: str | None
    events: bytes
    """The events' JSON, `compressed`."""


def trial_texts(
    row: dict[str, Any], params: Mapping[str, Any] | None, knobs: Mapping[str, Any] | None,
    events: list[dict[str, Any]] | None, completion: Any, secrets: tuple[str, ...],
) -> TrialTexts:  # fmt: skip
    """The texts of one trial; ``completion`` is a pydantic model, a plain value or None."""
    row_text, row_clean = clean_row(row, secrets)
    return TrialTexts(
        row=row_text, clean_row=row_clean,
        params=None if params is None else json_text(dict(params), secrets),
        knobs=None if knobs is None else json_text(dict(knobs), secrets),
        completion=(
            scrubbed(completion.model_dump_json(), secrets) if hasattr(completion, "model_dump_json")
            else None if completion is None else json_text(completion, secrets)
        ),
        events=compressed(json_text(events or [], secrets)),
    )  # fmt: skip


class TrialInputs(TypedDict, total=False):
    """What is stored beside a finished trial's row: the keyword inputs of `labkit.lab.Store.put_trial`
    (and of the sweep's group commit, `labkit.lab._group_commit`). Each may be left out."""

    params: Mapping[str, Any] | None
    """The request's kwargs (what `lab.rederive` re-reads)."""
    knobs: Mapping[str, Any] | None
    events: list[dict[str, Any]] | None
    """The raw stream events, as received (with ``t`` and ``turn``)."""
    completion: Any
    """A pydantic completion or a plain value; default: the trial's own."""
    lease_owner: str | None
    """The claim that owner held on the trial (`labkit.lab._leases`) ends in the same commit."""


def trial_writes(
    experiment: str, trial: Trial, *, now: Callable[[], str], **inputs: Unpack[TrialInputs]
) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements that store one finished trial (`labkit.lab.Store.put_trial`), texts built and
    scrubbed, for one transaction or for several trials in one (`labkit.lab._group_commit`).
    ``now``: the creation time of a trial that has none."""
    if not experiment:
        raise StoreError("put_trial needs a non-empty experiment name")
    row = trial.row()
    row["experiment"] = experiment
    secrets = env_secrets()
    completion = inputs.get("completion")
    texts = trial_texts(row, inputs.get("params"), inputs.get("knobs"), inputs.get("events"),
                        trial.completion if completion is None else completion, secrets)  # fmt: skip
    created = trial.created_at or now()
    writes: list[tuple[str, tuple[Any, ...]]] = [
        ("INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)", (experiment, created)),
        ("""INSERT INTO trials (experiment, trial_key, status, model, task_id, repeat, batch, attempts,
               created_at, row, params, knobs, completion, events)
           VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (experiment, trial_key) DO UPDATE SET status = excluded.status,
               model = excluded.model, task_id = excluded.task_id, repeat = excluded.repeat,
               batch = excluded.batch, attempts = trials.attempts + 1, created_at = excluded.created_at,
               row = excluded.row, params = excluded.params, knobs = excluded.knobs,
               completion = excluded.completion, events = excluded.events""",
         (experiment, trial.trial_key, trial.status, trial.model, trial.task_id, trial.repeat, int(trial.batch),
          created, texts.row, texts.params, texts.knobs, texts.completion, texts.events)),
        (upsert_sql, upsert_values(texts.clean_row)),
    ]  # fmt: skip
    if (lease_owner := inputs.get("lease_owner")) is not None:
        writes.append(("DELETE FROM leases WHERE experiment = ? AND trial_key = ? AND owner = ?",
                       (experiment, trial.trial_key, lease_owner)))  # fmt: skip
    return writes
