"""Lazy re-exports for labkit's package facades, so that importing a package stays cheap.

Every package ``__init__`` names its public surface in one mapping (public name -> the private module
that defines it) and installs the pair of module hooks returned here (PEP 562). A name's module is
imported the first time the name is used; the value is then stored on the package, so later lookups
are plain attribute reads. Importing ``labkit.lab._derive`` therefore does not drag in the store,
the SDK or pandas just because they share a package.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` hooks of ``package`` for ``exports`` (name -> module path)."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
