"""labkit._lazy: a package facade loads a name's module on first use and keeps the value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from labkit._lazy import lazy_exports


def test_first_use_imports_then_the_value_is_a_plain_attribute() -> None:
    code = (
        "import sys, labkit.tokens as t\n"
        "before = 'labkit.tokens._tokenizer' in sys.modules\n"
        "f = t.count_tokens\n"
        "print(before, 'labkit.tokens._tokenizer' in sys.modules, t.__dict__['count_tokens'] is f)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "True"]


def test_unknown_names_and_dir() -> None:
    getattr_, dir_ = lazy_exports("labkit", {"b": "x", "a": "y"})
    assert dir_() == ["a", "b"]
    with pytest.raises(AttributeError, match="module 'labkit' has no attribute 'zzz'"):
        getattr_("zzz")
