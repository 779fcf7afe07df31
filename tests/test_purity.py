"""The pure conversion modules: no I/O-heavy imports, and no clock, sleep, file or randomness calls."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

PURE = [
    "labkit.convert._request",
    "labkit.convert._response",
    "labkit.convert._stream",
    "labkit.convert._accumulate",
    "labkit.convert._inner_thoughts",
    "labkit.convert._thinking",
    "labkit.convert._tools",
    "labkit.convert._usage",
    "labkit.convert._finish",
    "labkit.convert._arguments",
    "labkit.convert._chunks",
    "labkit.convert._chunk_stream",
]
FORBIDDEN_MODULES = ["httpx", "httpx2", "pandas", "matplotlib", "ipywidgets", "sqlite3"]
FORBIDDEN_IMPORTS = {"time", "random", "secrets", "socket", "asyncio", "threading", "os", "io", "pathlib"}
FORBIDDEN_CALLS = {"open", "sleep", "time", "perf_counter", "monotonic", "random", "randint", "choice", "uuid4", "now"}


def test_pure_modules_import_nothing_heavy() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {PURE!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in {FORBIDDEN_MODULES!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(result.stdout) == []


def _source(module: str) -> ast.Module:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    return ast.parse(Path(spec.origin).read_text())


def _imports(tree: ast.Module) -> set[str]:
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name.split(".")[0] for name in names}


def _calls(tree: ast.Module) -> set[str]:
    """The called names: ``f(...)`` gives "f", ``x.y.f(...)`` gives "f"."""
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called.add(func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "")
    return called


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_never_touch_clock_sleep_files_or_randomness(module: str) -> None:
    tree = _source(module)
    assert not _imports(tree) & FORBIDDEN_IMPORTS
    assert not _calls(tree) & FORBIDDEN_CALLS


def test_the_checker_notices_forbidden_imports_and_calls() -> None:
    tree = ast.parse("import time\nfrom random import choice\ntime.sleep(1)\nopen('x')\nchoice([1])\n")
    assert _imports(tree) & FORBIDDEN_IMPORTS == {"time", "random"}
    assert _calls(tree) & FORBIDDEN_CALLS == {"sleep", "open", "choice"}
