"""The emulator's fast paths answer byte-identically to the reference behaviour.

Two kinds of check:

- a golden digest: ~430 varied requests (`emulator_corpus`) through a fresh ``Emulator(seed=0)``
  hash to the digest the emulator produced before its hot path was optimized (tokenizer, fitting
  work, rendering). It pins token counts, texts, ids, signatures and event sequences at once. It
  also depends on labkit's task suites and catalog: if those change on purpose, recompute it with
  ``transcript_digest()`` from a build known to be correct;
- properties: the fast tokenizer equals the plain reference regex on arbitrary text (and on every
  text the corpus produces), and `compose.fit` equals the straightforward step-by-step count.
"""

from __future__ import annotations

import json
import re

from emulator_corpus import transcript, transcript_digest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.emulator import Emulator
from labkit.emulator.model import REFERENCE_ASSUMPTIONS
from labkit.emulator.model import _compose as compose
from labkit.emulator.model._solvers import Work
from labkit.emulator.model._workouts import work_for
from labkit.emulator.serving._sse import encode_raw, encode_stream, parse_events
from labkit.tasks import load_tasks
from labkit.tokens._tokenizer import count_tokens, tokenize

GOLDEN_DIGEST = "c6e8349927656469eb8dce1529cad505876d491aec37bd13d9857be4bda9cbeb"
UNIFORM_VERBOSITY_DIGEST = "6881916b22d97ba2f1d0ef99e4997ab556d9f127d477b62a75be872f7e5c6083"
"""The digest before model lines got their own thinking verbosity (the reference the hot paths were
optimized against); the verbosity change must be the only difference."""

REFERENCE = re.compile(
    r"""
     [^\S\n]*[^\W\d_]{1,7}(?![^\W\d_])
    |[^\S\n]*[^\W\d_]{1,4}
    |[^\S\n]*\d{1,3}
    |[^\S\n]*(?:[^\w\s]|_)
    |\n+
    |[^\S\n]+
    """,
    re.VERBOSE,
)
"""The tokenizer's definition, as one regex applied to the whole text (the slow reference)."""

TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("ab xyz\n\t\r 0123456789.,_-*+=:;!?()<>'\"\u2028\x85é٣²😀")),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)


def test_corpus_answers_match_the_golden_digest() -> None:
    """Under the first emulator's effects (`REFERENCE_ASSUMPTIONS`), moving them into `Assumptions`
    changed no byte; the defaults differ from it on purpose (slips, skipped xml, effort work)."""
    assert transcript_digest(Emulator(seed=0, assumptions=REFERENCE_ASSUMPTIONS)) == GOLDEN_DIGEST
    assert transcript_digest(Emulator(seed=0)) != GOLDEN_DIGEST


def test_with_uniform_verbosity_the_corpus_matches_the_pre_optimization_reference() -> None:
    uniform = REFERENCE_ASSUMPTIONS.replace(thinking_verbosity={})
    assert transcript_digest(Emulator(seed=0, assumptions=uniform)) == UNIFORM_VERBOSITY_DIGEST


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_tokenizer_equals_the_reference_regex(text: str) -> None:
    assert tokenize(text) == REFERENCE.findall(text)
    assert count_tokens(text) == len(REFERENCE.findall(text))
    assert tokenize(text) == REFERENCE.findall(text)  # again, now from any memo


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=12))
def test_tokenizer_of_joined_lines_equals_the_reference(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert tokenize(text) == REFERENCE.findall(text)
    assert count_tokens(text) == len(REFERENCE.findall(text))


def test_tokenizer_equals_the_reference_on_every_corpus_text() -> None:
    checked = 0
    for _, body in transcript():
        for name, data in parse_events(body):
            if name is None:
                continue
            for text in re.findall(r'"(?:thinking|text|partial_json)":("(?:[^"\\]|\\.)*")', data):
                decoded = json.loads(text)
                assert tokenize(decoded) == REFERENCE.findall(decoded)
                checked += 1
    assert checked > 10_000


def _reference_fit(work: Work, capacity: int) -> tuple[list[str], int]:
    lines, used = [work.intro], len(REFERENCE.findall(work.intro))
    for step in work.steps:
        cost = len(REFERENCE.findall("\n" + step))
        if used + cost > capacity:
            break
        lines.append(step)
        used += cost
    return lines, len(lines) - 1


def test_fit_equals_the_step_by_step_reference() -> None:
    for task in load_tasks():
        if task.category == "tool":
            continue
        work = work_for(task.category, dict(task.spec))
        for capacity in (0, 5, 60, 250, 1024, 1777, 2500, 4096, 16384):
            assert compose.fit(work, capacity) == _reference_fit(work, capacity)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["content_block_delta", "ping", "message_stop"]), TEXT), max_size=8))
def test_encode_stream_equals_encoding_each_event(events: list[tuple[str, str]]) -> None:
    assert encode_stream(events) == [encode_raw(name, data) for name, data in events]
