"""The ``labkit`` command: a thin dispatcher to each subcommand's own ``main(argv)``.

    labkit emulator [--host 127.0.0.1] [--port 8765] ...   serve the Anthropic API emulator
    labkit demo                                            execute the notebooks, write data/demo/
    labkit sweep <config.toml>                             run a sweep described in a TOML file
    labkit results <name> [--csv]                          print a stored experiment's results

Subcommand modules load only when chosen, so ``labkit --help`` stays fast.
"""

from __future__ import annotations

import sys
from importlib import import_module

from labkit.core import LabkitError

COMMANDS: dict[str, tuple[str, str]] = {
    "emulator": ("labkit.emulator.serving._server", "serve the Anthropic API emulator over HTTP (loopback by default)"),
    "demo": ("labkit.notebook.demo", "execute every notebook against the emulator and write data/demo/"),
    "sweep": ("labkit.lab._sweep_file", "run a sweep described in a TOML file"),
    "results": ("labkit.notebook._results_cli", "print a stored experiment's results (table or --csv)"),
}


def _usage() -> str:
    lines = ["usage: labkit <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_text}" for name, (_, help_text) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        print(f"labkit: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = import_module(COMMANDS[name][0])
    try:
        result: int = module.main(rest)
    except LabkitError as error:  # a user's mistake: one line naming it, no traceback
        print(f"labkit {name}: {error}", file=sys.stderr)
        return 2
    return result
