"""Where a frame's rows came from, said on every figure, table and widget built from them.

`provenance(df)` counts rows answered by labkit's emulator (the ``synthetic`` row column; for rows
stored before it existed, ``backend == "emulator"``) and by real servers, and collects the emulator's
assumptions versions from the ``endpoint`` column. Its `stamp` is the line a figure or caption
carries: "synthetic: labkit emulator, not Claude · assumptions a1-…" when every row is synthetic,
a "mixed:" line saying how many rows are which, and nothing at all when every row is real.
`stamped` puts that line on the figure a plot helper drew; `provenance_labels` gives each row its
label for a table column.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

SYNTHETIC = "synthetic: labkit emulator, not Claude"
STAMP_GID = "labkit-provenance"
"""The ``gid`` of the stamp's text artist (how tests and `stamp_of` find it)."""
_VERSION = re.compile(r"assumptions=(\S+)")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Provenance:
    synthetic_rows: int
    real_rows: int
    versions: tuple[str, ...]
    """The emulator's assumptions versions among the synthetic rows (empty when unknown)."""

    @property
    def synthetic_label(self) -> str:
        if not self.versions:
            return SYNTHETIC
        return f"{SYNTHETIC} · assumptions {', '.join(self.versions)}"

    @property
    def stamp(self) -> str:
        """The line a figure or table caption carries ("" when no row is synthetic)."""
        if not self.synthetic_rows:
            return ""
        if not self.real_rows:
            return self.synthetic_label
        return (f"mixed: {self.synthetic_rows} rows {self.synthetic_label}; "
                f"{self.real_rows} rows from a real API")  # fmt: skip


def synthetic_mask(df: pd.DataFrame) -> pd.Series[bool]:
    """Per row: answered by labkit's emulator."""
    import pandas as pd

    by_backend = df["backend"].astype(str).eq("emulator") if "backend" in df.columns else pd.Series(False, df.index)
    if "synthetic" not in df.columns:
        return by_backend
    recorded = df["synthetic"].astype("boolean")
    return recorded.fillna(by_backend).astype(bool)


def has_provenance(df: pd.DataFrame) -> bool:
    """Whether ``df`` carries the columns that tell who answered each row."""
    return "synthetic" in df.columns or "backend" in df.columns


def provenance(df: pd.DataFrame) -> Provenance:
    """Who answered the rows of ``df`` (a results, tokens or summary frame)."""
    if not has_provenance(df):
        # a frame that lost its provenance columns cannot be told real: say it may be synthetic
        return Provenance(synthetic_rows=len(df), real_rows=0, versions=())
    mask = synthetic_mask(df)
    versions: set[str] = set()
    if "endpoint" in df.columns:
        for endpoint in df.loc[mask, "endpoint"].dropna().astype(str).unique():
            versions.update(_VERSION.findall(endpoint))
    return Provenance(synthetic_rows=int(mask.sum()), real_rows=int((~mask).sum()), versions=tuple(sorted(versions)))


def provenance_labels(df: pd.DataFrame) -> pd.Series[str]:
    """Per row: "synthetic (labkit emulator, assumptions …)" or "real (<backend>)"."""
    import pandas as pd

    mask = synthetic_mask(df).tolist()
    endpoints = df["endpoint"].tolist() if "endpoint" in df.columns else [None] * len(df)
    backends = df["backend"].tolist() if "backend" in df.columns else ["API"] * len(df)
    labels = []
    for synthetic, endpoint, backend in zip(mask, endpoints, backends, strict=True):
        if synthetic:
            found = _VERSION.findall(endpoint) if isinstance(endpoint, str) else []
            labels.append(f"synthetic (labkit emulator{', assumptions ' + found[0] if found else ''})")
        else:
            labels.append(f"real ({backend})")
    return pd.Series(labels, index=df.index, dtype="object")


def backend_provenance(lab: Any) -> str:
    """Who answers ``lab``: the synthetic stamp (with the emulator's assumptions version) for labkit's
    emulator, else "real (<backend>)". For tables made by calling the backend directly, not from rows."""
    backend = getattr(lab, "backend", None)
    if getattr(backend, "name", None) != "emulator":
        return f"real ({getattr(backend, 'name', 'API')})"
    version = getattr(getattr(getattr(backend, "emulator", None), "assumptions", None), "version", None)
    return f"{SYNTHETIC} · assumptions {version}" if version else SYNTHETIC


def stamp_figure(ax: Axes, df: pd.DataFrame) -> None:
    """Write ``df``'s provenance stamp along the bottom of the figure holding ``ax`` (once per figure)."""
    text = provenance(df).stamp
    figure = ax.get_figure(root=True)
    if not text or figure is None:
        return
    for artist in figure.texts:
        if artist.get_gid() == STAMP_GID:
            artist.set_text(text if artist.get_text() in ("", text) else f"{artist.get_text()} | {text}")
            return
    # as the figure's bottom label: constrained layout makes room for it below every axis label
    figure.supxlabel(text, x=0.005, ha="left", fontsize=7, color="#8b0000", style="italic", gid=STAMP_GID)


def stamp_of(ax_or_figure: Any) -> str:
    """The provenance stamp on a figure ("" when it has none)."""
    figure = ax_or_figure.get_figure(root=True) if hasattr(ax_or_figure, "get_figure") else ax_or_figure
    return next((t.get_text() for t in figure.texts if t.get_gid() == STAMP_GID), "")


def stamped(plot: Callable[P, Axes]) -> Callable[P, Axes]:
    """Decorate a plot helper whose first argument is the frame it draws: stamp its figure."""

    @functools.wraps(plot)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Axes:
        ax = plot(*args, **kwargs)
        frame = args[0] if args else kwargs.get("df", kwargs.get("tokens"))
        if frame is not None and hasattr(frame, "columns"):
            stamp_figure(ax, frame)
        return ax

    return wrapper
