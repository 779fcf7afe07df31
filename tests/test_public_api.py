"""The public names are importable from `labkit` and its package facades, resolve to the documented
objects in any order of first use, and `import labkit` stays light."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys

import pytest

import labkit

CONTRACT = {
    # core (issue 2)
    "ChatRequest", "ChatMessage", "ChatCompletion", "ChatCompletionChunk", "Usage",
    "ThinkingConfig", "InnerThoughts", "prepare_request", "to_chat_completion",
    "StreamConverter", "convert_stream", "accumulate", "get_model", "ModelInfo",
    "LabkitError", "ConfigError", "ConversionError", "IncompleteStreamError",
    # emulator (issue 3) and experiments (issue 4)
    "Emulator", "Lab", "Config", "grid", "Trial",
}  # fmt: skip

# The documented home of each public name: the private module that defines it.
DOCUMENTED = {
    "ChatRequest": "labkit.core._wire", "ChatMessage": "labkit.core._wire", "ChatCompletion": "labkit.core._wire",
    "ChatCompletionChunk": "labkit.core._wire", "Usage": "labkit.core._wire", "ThinkingBlock": "labkit.core._wire",
    "ThinkingConfig": "labkit.core._configs", "InnerThoughts": "labkit.core._configs",
    "ModelInfo": "labkit.core._catalog", "get_model": "labkit.core._catalog", "list_models": "labkit.core._catalog",
    "LabkitError": "labkit.core._errors", "ConfigError": "labkit.core._errors",
    "UnknownModelError": "labkit.core._errors", "ConversionError": "labkit.core._errors",
    "IncompleteStreamError": "labkit.core._errors", "EmulatorError": "labkit.core._errors",
    "StoreError": "labkit.core._errors", "SchemaVersionError": "labkit.core._errors",
    "TrialError": "labkit.core._errors",
    "prepare_request": "labkit.convert._request", "to_chat_completion": "labkit.convert._response",
    "StreamConverter": "labkit.convert._stream", "convert_stream": "labkit.convert._convert_stream",
    "ChunkStream": "labkit.convert._chunk_stream", "AsyncChunkStream": "labkit.convert._chunk_stream",
    "accumulate": "labkit.convert._accumulate",
    "Emulator": "labkit.emulator.serving._emulator",
    "Lab": "labkit.lab._lab", "Trial": "labkit.lab._trial", "Config": "labkit.lab._experiment",
    "grid": "labkit.lab._experiment",
}  # fmt: skip
PACKAGES = ["labkit.core", "labkit.convert", "labkit.tokens", "labkit.tasks", "labkit.emulator",
            "labkit.emulator.model", "labkit.emulator.rules", "labkit.emulator.serving", "labkit.lab",
            "labkit.notebook", "labkit.notebook.plots", "labkit.notebook.widgets"]  # fmt: skip

# One fresh interpreter loads the third-party libraries (the slow part), then forks one child per
# order: each child starts with no labkit submodule imported, touches its first name, then the rest.
_RESOLVE = """
import importlib, inspect, json, os, sys, types
import anthropic, httpx2, pydantic  # third-party only: no labkit submodule is imported before the fork
import labkit
documented, packages = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert [m for m in sys.modules if m.startswith("labkit.")] == ["labkit._lazy"]

def check(first):
    order = [first] + [name for name in labkit.__all__ if name not in (first, "__version__")]
    problems = []
    for name in order:
        value = getattr(labkit, name)
        if isinstance(value, types.ModuleType) or not (inspect.isclass(value) or inspect.isfunction(value)):
            problems.append(f"{name} is {value!r}")
        elif value is not getattr(importlib.import_module(documented[name]), name):
            problems.append(f"{name} is not {documented[name]}.{name}")
    for package in packages:
        facade = importlib.import_module(package)
        problems += [f"{package}.{n} is a module" for n in facade.__all__
                     if isinstance(getattr(facade, n), types.ModuleType)]
    return problems

results = {}
for first in sorted(documented):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, json.dumps(check(first)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        results[first] = json.loads(pipe.read() or '["child died"]')
    os.waitpid(pid, 0)
print(json.dumps(results))
"""


def test_every_contract_name_is_exported() -> None:
    assert sorted(labkit.__all__) == labkit.__all__
    assert set(labkit.__all__) >= CONTRACT
    assert set(labkit.__all__) - {"__version__"} == set(DOCUMENTED)


def test_names_resolve_to_the_documented_object_whatever_is_used_first() -> None:
    """For each public name, a process that has imported no labkit submodule touches that name first,
    then every other: each is the documented function or class, never a module (a module named like
    a public name once shadowed ``labkit.accumulate``), and no facade hands out a module."""
    out = subprocess.run([sys.executable, "-c", _RESOLVE, json.dumps(DOCUMENTED), json.dumps(PACKAGES)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    results = json.loads(out)
    assert sorted(results) == sorted(DOCUMENTED)
    assert {first: problems for first, problems in results.items() if problems} == {}


def test_the_resolution_check_notices_a_shadowing_module() -> None:
    """What the check looks for: after a submodule import, a package attribute can be the module."""
    code = (
        "import json, sys, types\nimport labkit.convert._accumulate\n"
        "print(json.dumps([isinstance(labkit.convert._accumulate, types.ModuleType), "
        "isinstance(labkit.convert.accumulate, types.ModuleType)]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [True, False]  # the private module is an attribute; the public name is not


@pytest.mark.parametrize("package", PACKAGES)
def test_facades_export_only_what_they_name(package: str) -> None:
    facade = importlib.import_module(package)
    assert facade.__all__ == sorted(facade.__all__)
    for name in facade.__all__:
        assert getattr(facade, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        facade.no_such_name  # noqa: B018


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        labkit.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_error_tree() -> None:
    assert issubclass(labkit.ConfigError, labkit.LabkitError) and issubclass(labkit.ConfigError, ValueError)
    assert issubclass(labkit.ConversionError, labkit.LabkitError) and issubclass(labkit.ConversionError, ValueError)
    assert issubclass(labkit.IncompleteStreamError, labkit.LabkitError)
    assert issubclass(labkit.SchemaVersionError, labkit.StoreError)


def test_every_exception_class_is_in_the_tree() -> None:
    """Every exception class labkit defines, wherever it lives, derives from LabkitError."""
    import pkgutil

    for info in pkgutil.walk_packages(labkit.__path__, "labkit."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name:
                assert issubclass(value, labkit.LabkitError), f"{info.name}.{name}"


def test_import_labkit_stays_light() -> None:
    heavy = ["pandas", "matplotlib", "ipywidgets", "anthropic", "httpx2", "sqlite3", "tqdm", "pydantic"]
    code = f"import sys, labkit; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_core_names_do_not_pull_in_the_notebook_stack() -> None:
    code = (
        "import sys, labkit; labkit.prepare_request; labkit.convert_stream; labkit.accumulate; "
        "labkit.to_chat_completion; labkit.get_model; "
        "print([m for m in ('pandas', 'matplotlib', 'ipywidgets', 'sqlite3') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
