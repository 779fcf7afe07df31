"""The public names fixed by the issues are importable from `labkit`, and `import labkit` stays light."""

from __future__ import annotations

import subprocess
import sys

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


def test_every_contract_name_is_exported_and_resolves() -> None:
    assert sorted(labkit.__all__) == labkit.__all__
    assert set(labkit.__all__) >= CONTRACT
    for name in labkit.__all__:
        assert getattr(labkit, name) is not None, name


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        labkit.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_error_tree() -> None:
    assert issubclass(labkit.ConfigError, labkit.LabkitError) and issubclass(labkit.ConfigError, ValueError)
    assert issubclass(labkit.ConversionError, labkit.LabkitError) and issubclass(labkit.ConversionError, ValueError)
    assert issubclass(labkit.IncompleteStreamError, labkit.LabkitError)
    assert issubclass(labkit.SchemaVersionError, labkit.StoreError)


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
