"""The layer rule, checked over every module of labkit: imports point down, nothing is circular.

Layers (lowest first): ``core``; then ``convert``, ``tokens`` and ``tasks`` side by side; then
``emulator`` (inside it ``model`` and ``rules`` below ``serving``); ``lab``; ``notebook``; and the
``cli`` on top. A module may import its own folder and the layers below it, never a layer beside or
above. Every import counts, function-level ones included; imports under ``TYPE_CHECKING`` do not
(they never run). A package facade's lazy exports (its ``_EXPORTS`` mapping) count as imports of the
modules they name. The pure layers import no I/O library and call no ``open``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeGuard

import pytest

ROOT = Path(__file__).resolve().parent.parent / "labkit"

# (layer, rank): a module may import layers of a strictly lower rank, or its own layer.
LAYERS: dict[str, int] = {
    "labkit._lazy": 0,
    "labkit.core": 1,
    "labkit.convert": 2,
    "labkit.tokens": 2,
    "labkit.tasks": 2,
    "labkit.emulator.model": 3,
    "labkit.emulator.rules": 3,
    "labkit.emulator.serving": 4,
    "labkit.emulator": 5,
    "labkit.lab": 6,
    "labkit.notebook": 7,
    "labkit.cli": 8,
    "labkit.__main__": 9,
    "labkit": 10,
}
PURE = ("labkit.core", "labkit.convert", "labkit.tokens", "labkit.tasks._scoring", "labkit.emulator.model",
        "labkit.emulator.rules")  # fmt: skip
IO_LIBRARIES = {"httpx", "httpx2", "sqlite3", "pandas", "matplotlib", "ipywidgets", "tqdm", "asyncio", "socket",
                "anthropic", "IPython", "threading", "subprocess", "urllib.request"}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> str:
    """The deepest layer the module belongs to (an unknown module is a test failure)."""
    for name in sorted(LAYERS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    raise AssertionError(f"{module} belongs to no layer: add its folder to LAYERS")


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _is_exports(node: ast.AST) -> TypeGuard[ast.Assign]:
    """A facade's ``_EXPORTS = {...}`` mapping (its lazy imports)."""
    return (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
            and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets))  # fmt: skip


def imports(tree: ast.Module, package: str, known: Iterable[str]) -> set[str]:
    """Every module ``tree`` imports at run time (labkit modules resolved to files, others by name)."""
    known = set(known)
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join([*package.split(".")[: len(package.split(".")) - child.level + 1], base]).strip(".")
                submodules = {f"{base}.{a.name}" for a in child.names if f"{base}.{a.name}" in known}
                found.update(submodules)
                if len(submodules) < len(child.names):  # a name from the package itself, not a submodule
                    found.add(base)
            elif _is_exports(child):
                found.update(v.value for v in child.value.values if isinstance(v, ast.Constant))
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    out: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        out[name] = imports(ast.parse(path.read_text(encoding="utf-8")), package, mods)
    return out


def violations(edges: Mapping[str, set[str]]) -> list[str]:
    """Imports that point sideways or up between layers."""
    bad = []
    for module, targets in edges.items():
        own = layer_of(module)
        for target in targets:
            if not target.startswith("labkit"):
                continue
            other = layer_of(target)
            if other != own and not LAYERS[other] < LAYERS[own] and not own.startswith(other + "."):
                bad.append(f"{module} -> {target} ({own} may not import {other})")
    return bad


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), plus self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    nodes = {m: {t for t in ts if t in edges} for m, ts in edges.items()}
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(nodes[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(nodes[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    item = stack.pop()
                    on_stack.discard(item)
                    group.append(item)
                    if item == node:
                        break
                if len(group) > 1 or node in nodes[node]:
                    found.append(sorted(group))
    return found


def test_every_module_belongs_to_a_layer() -> None:
    mods = modules()
    assert len(mods) > 80
    for name in mods:
        layer_of(name)


def test_imports_point_down_only() -> None:
    assert violations(graph()) == []


def test_no_circular_imports() -> None:
    assert cycles(graph()) == []


@pytest.mark.parametrize("module", sorted(m for m in modules() if m.startswith(PURE)))
def test_pure_layers_do_no_io(module: str) -> None:
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    used = {name for name in imports(tree, module, ()) if not name.startswith("labkit")}
    assert not {u for u in used if u in IO_LIBRARIES or u.split(".")[0] in IO_LIBRARIES}, used
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "open" not in calls


def test_the_checks_catch_what_they_are_for() -> None:
    up = {"labkit.core._wire": {"labkit.lab._store"}, "labkit.lab._store": set()}
    assert violations(up) == ["labkit.core._wire -> labkit.lab._store (labkit.core may not import labkit.lab)"]
    side = {"labkit.convert._stream": {"labkit.tokens._cost"}, "labkit.tokens._cost": set()}
    assert len(violations(side)) == 1
    loop = {"labkit.lab._a": {"labkit.lab._b"}, "labkit.lab._b": {"labkit.lab._c"}, "labkit.lab._c": {"labkit.lab._a"}}
    assert cycles(loop) == [["labkit.lab._a", "labkit.lab._b", "labkit.lab._c"]]
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas\ndef f():\n    import sqlite3\n"
    tree = ast.parse(source)
    assert imports(tree, "labkit.core", ()) == {"typing", "sqlite3"}
