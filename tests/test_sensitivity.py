"""labkit.notebook.assumption_sensitivity: one sweep rerun under several values of one assumption."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest

from labkit import Config, InnerThoughts, Lab
from labkit.core import ConfigError
from labkit.emulator import Emulator
from labkit.lab import base_url_backend, emulator_backend
from labkit.notebook import assumption_sensitivity, plots, stamp_of
from labkit.tasks import load_tasks

HAIKU = "claude-haiku-4-5"


def test_the_xml_line_falls_as_the_skip_rate_rises_and_prefill_stays(tmp_path: Path) -> None:
    lab = Lab(backend=emulator_backend(Emulator(seed=4)), store=tmp_path / "s.sqlite")
    configs = [Config(model=HAIKU, inner_thoughts=InnerThoughts(strategy="xml")),
               Config(model=HAIKU, inner_thoughts=InnerThoughts(strategy="xml", prefill=True))]  # fmt: skip
    moved = assumption_sensitivity(lab, load_tasks("arithmetic", limit=6), configs, "xml_skip_rate", [0.0, 1.0],
                                   name="s", repeats=2)  # fmt: skip
    finished = moved[moved["status"] == "ok"]
    share = finished.groupby(["strategy", "assumption_value"], observed=True)["has_reasoning"].mean()
    assert share[("xml", 0.0)] == 1.0 and share[("xml", 1.0)] == 0.0
    assert share[("xml+prefill", 0.0)] == share[("xml+prefill", 1.0)] == 1.0
    assert len(set(moved["endpoint"])) == 2  # each value keyed by its own assumptions version
    ax = plots.assumption_sensitivity(moved)
    assert "xml_skip_rate" in ax.get_xlabel() and stamp_of(ax).startswith("synthetic: labkit emulator")


def test_refused_for_a_real_backend_or_an_unknown_assumption(tmp_path: Path) -> None:
    real = Lab(backend=base_url_backend("http://127.0.0.1:9"), store=tmp_path / "r.sqlite")
    with pytest.raises(ConfigError, match="not labkit's emulator"):
        assumption_sensitivity(real, [], [], "xml_skip_rate", [0.1], name="x")
    lab = Lab(backend=emulator_backend(), store=tmp_path / "e.sqlite")
    with pytest.raises(ConfigError, match="no assumption 'xml_skipping'"):
        assumption_sensitivity(lab, [], [], "xml_skipping", [0.1], name="x")
