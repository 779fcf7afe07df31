"""How a synthetic conclusion moves when one emulator assumption moves: `assumption_sensitivity`.

A figure made from emulator rows is only as good as the assumptions behind it. `assumption_sensitivity`
reruns one sweep under several values of one `labkit.emulator.Assumptions` field (everything else
as the lab's emulator has it, same seed, same store: each value's rows are keyed by its own
assumptions version, so none is served from another's cache) and returns every row with the value
it ran under, ready for `labkit.notebook.plots.assumption_sensitivity`. It needs the emulator: an
assumption of the synthetic model says nothing about Claude, so with a real backend it raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from labkit.core import ConfigError

if TYPE_CHECKING:
    import pandas as pd


def assumption_sensitivity(lab: Any, tasks: Any, configs: Iterable[Any], assumption: str, values: Sequence[Any],
                           *, name: str, repeats: int = 1) -> pd.DataFrame:
    """Rows of ``configs`` x ``tasks`` x ``repeats``, swept once per value of ``assumption``, with an
    ``assumption_value`` column (see the module docstring)."""
    import pandas as pd

    from labkit.emulator import Assumptions, Emulator
    from labkit.lab import Lab, emulator_backend

    emulator = getattr(lab.backend, "emulator", None)
    if emulator is None:
        raise ConfigError(f"assumption_sensitivity: {lab.backend_name!r} is not labkit's emulator; an emulator "
                          "assumption says nothing about a real model")  # fmt: skip
    if assumption not in Assumptions.model_fields:
        raise ConfigError(f"assumption_sensitivity: no assumption {assumption!r} (known: "
                          f"{', '.join(Assumptions.model_fields)})")  # fmt: skip
    configs = list(configs)
    frames = []
    for value in values:
        assumed = emulator.assumptions.replace(**{assumption: value})
        varied = Emulator(seed=emulator.seed, latency="none", assumptions=assumed)
        sub = Lab(backend=emulator_backend(varied, reason=f"{assumption}={value!r}"), store=lab.store)
        rows = sub.sweep(tasks, configs, repeats=repeats, name=f"{name}_{assumption}={value}", progress=False)
        frames.append(rows.assign(assumption=assumption, assumption_value=value))
    return pd.concat(frames, ignore_index=True)
