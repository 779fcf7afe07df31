"""Labels for the points of a scatter: one compact text per spot, placed where it hides nothing.

`spot_texts` gives one text per spot where configurations land; configurations of one model on
the same spot share a line per knob ("opus-4-5: budget 4096, 8192, 16384"). `place_labels` then
moves each label, in display coordinates once the layout is final, among rings of positions around
its point (the sides, the diagonals and between, at growing distances), all inside the axes. A
position costs its distance, plus a little for each error bar or line its box crosses and for a
leader line that would run unseen along the point's own error bar, plus a lot for each marker or
other label it covers. Labels are placed greedily in a few orders and the cheapest arrangement is
kept. A label set away from its point keeps a thin leader line to it, so a reader can tell which
point it names however crowded the plot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from labkit.core import EFFORT_LEVELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D
    from matplotlib.text import Annotation
    from matplotlib.transforms import Bbox

__all__ = ["place_labels", "spot_texts", "text_box"]

_DISTANCES = (5, 12, 22, 36, 54, 78, 108, 144)
"""Offsets tried, in points from the point, nearest first."""
_DIRECTIONS = ((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7),
               (0.9, 0.45), (-0.9, 0.45), (0.9, -0.45), (-0.9, -0.45))  # fmt: skip
"""Unit steps around a point: the sides first, then the diagonals, then between them."""
_LEADER_FROM = 12
"""Labels set this many points or more away from their point get a leader line."""
_CROSSING = 2
"""What crossing an error bar or a line costs, in rings of positions further out."""
_EDGE = 3.0
"""Pixels kept clear between a label and the edge of the axes."""
_KNOB = re.compile(r"^(budget|effort) (\S+)$")


def spot_texts(points: Iterable[tuple[float, float, str, str]]) -> dict[tuple[float, float], str]:
    """``(x, y, model, knob)`` per configuration -> one text per distinct spot, a line per model."""
    spots: dict[tuple[float, float], dict[str, list[str]]] = {}
    for x, y, model, knob in points:
        spots.setdefault((round(x, 9), round(y, 6)), {}).setdefault(model, []).append(knob)
    return {spot: "\n".join(f"{model}: {line}" for model, knobs in models.items() for line in _joined(knobs))
            for spot, models in spots.items()}  # fmt: skip


def _joined(knobs: Sequence[str]) -> list[str]:
    """"budget 4096", "budget 16384", "effort max" -> ["budget 4096, 16384", "effort max"]: one line
    per knob, its values together in numeric or effort order; knobs of another shape as they are."""
    kinds: dict[str, list[str]] = {}
    others: list[str] = []
    for knob in knobs:
        match = _KNOB.match(knob)
        if match is None:
            others.append(knob)
        else:
            kinds.setdefault(match.group(1), []).append(match.group(2))
    grouped = [f"{kind} {', '.join(sorted(values, key=_order))}" for kind, values in sorted(kinds.items())]
    return grouped + ([", ".join(others)] if others else [])


def _order(value: str) -> tuple[int, float, str]:
    if value.isdigit():
        return 0, float(value), value
    if value in EFFORT_LEVELS:
        return 1, float(EFFORT_LEVELS.index(value)), value
    return 2, 0.0, value


_Spot = tuple[float, float, Literal["left", "center", "right"], Literal["bottom", "center", "top"]]
"""A label's offset from its point (points) and the alignment that puts its box on that side."""


def _spot(distance: float, ux: float, uy: float) -> _Spot:
    """The position ``distance`` points from the point in direction (ux, uy), aligned to lie on that side."""
    return (ux * distance, uy * distance, "left" if ux > 0 else "right" if ux < 0 else "center",
            "bottom" if uy > 0 else "top" if uy < 0 else "center")  # fmt: skip


_SPOTS: tuple[_Spot, ...] = tuple(_spot(distance, ux, uy) for distance in _DISTANCES for ux, uy in _DIRECTIONS)
"""Every position tried for a label, nearest ring first (a ring: the directions at one distance)."""


def _put(label: Annotation, spot: _Spot) -> Bbox:
    dx, dy, ha, va = spot
    label.set_position((dx, dy))
    label.set_horizontalalignment(ha)
    label.set_verticalalignment(va)
    return text_box(label)


def text_box(label: Annotation) -> Bbox:
    """The display box of ``label``'s text alone (an annotation's own box also holds its leader line)."""
    from matplotlib.text import Text

    label.get_window_extent()  # lays the annotation out: its text's position follows its point's
    return Text.get_window_extent(label)


def place_labels(ax: Axes, labels: Sequence[Annotation], *, points: Iterable[Line2D],
                 soft: Iterable[Any] = ()) -> None:
    """Move each of ``labels`` (annotations of points on ``ax``, made with a leader-line
    ``arrowprops``) to the nearest free position around its point. The markers of ``points`` (the
    lines the labelled points are drawn with) are obstacles no label may cover; ``soft`` artists
    (error bars, the frontier) are avoided when that costs little. Call it after everything else is
    drawn on the figure.

    Labels are placed one after another, each at its cheapest position given those placed before
    it; the order matters where points crowd, so a few orders are tried (top down, bottom up, left
    to right, right to left, the most hemmed-in first) and the cheapest arrangement is kept.
    """
    if not labels:
        return
    figure = ax.get_figure(root=True)
    figure.draw_without_rendering()  # type: ignore[union-attr]  # the final layout: display coordinates hold
    inside = ax.get_window_extent().padded(-_EDGE)
    pixels = float(figure.dpi) / 72.0  # type: ignore[union-attr]
    markers = _marker_boxes(ax, points, pixels)
    crossings = [box for artist in soft for box in _segment_boxes(artist, ax)]
    options = [_options(label, inside.extents, markers, crossings, pixels) for label in labels]
    xy = [(float(label.xy[0]), float(label.xy[1])) for label in labels]
    orders = [
        sorted(range(len(labels)), key=lambda i: (-xy[i][1], xy[i][0])),
        sorted(range(len(labels)), key=lambda i: (xy[i][1], xy[i][0])),
        sorted(range(len(labels)), key=lambda i: (xy[i][0], xy[i][1])),
        sorted(range(len(labels)), key=lambda i: (-xy[i][0], xy[i][1])),
        sorted(range(len(labels)), key=lambda i: sum(cost < 1 for cost, _, _ in options[i])),
    ]
    _, chosen = min((_arrange(order, options) for order in orders), key=lambda found: found[0])
    for label, spot in zip(labels, chosen, strict=True):
        _put(label, spot)
        if label.arrow_patch is not None:  # a leader line only for a label set away from its point
            label.arrow_patch.set_visible(max(abs(v) for v in label.get_position()) >= _LEADER_FROM)


_Box = tuple[float, float, float, float]
"""A rectangle in display pixels, (x0, y0, x1, y1): plain numbers, thousands are compared per plot."""
_Option = tuple[float, _Spot, _Box]
"""A position for a label: its cost before other labels count (markers covered, lines crossed,
distance), the spot, and the label's box there."""


def _overlap(a: _Box, b: _Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _options(label: Annotation, inside: Sequence[float], markers: list[_Box], crossings: list[_Box],
             pixels: float) -> list[_Option]:  # fmt: skip
    """Every position of ``label`` inside the axes, with its own cost, nearest first. The text's
    size does not change with its place, so it is measured once and each box is worked out."""
    first = _SPOTS[0]
    measured = _put(label, first)
    width, height = measured.width, measured.height
    # where the text's box sits against its anchor for the first spot (left, vertically centred)
    anchor_x, anchor_y = measured.x0 - first[0] * pixels, (measured.y0 + measured.y1) / 2
    found: list[_Option] = []
    for rank, spot in enumerate(_SPOTS):
        dx, dy, ha, va = spot
        x, y = anchor_x + dx * pixels, anchor_y + dy * pixels
        x0 = x if ha == "left" else x - width if ha == "right" else x - width / 2
        y0 = y if va == "bottom" else y - height if va == "top" else y - height / 2
        box = (x0, y0, x0 + width, y0 + height)
        if not (inside[0] <= box[0] and box[2] <= inside[2] and inside[1] <= box[1] and box[3] <= inside[3]):
            continue
        ring, turn = divmod(rank, len(_DIRECTIONS))
        # a marker is never covered if it can be helped; crossing a line costs what a few more
        # rings out would: a label may cross a bar rather than fly across the plot
        covered = sum(_overlap(box, m) for m in markers)
        crossed = sum(_overlap(box, c) for c in crossings)
        # straight above or below, a leader line would run along the point's own error bar, unseen
        hidden = _CROSSING if dx == 0 and ring > 0 else 0
        found.append((covered * 1000 + crossed * _CROSSING + hidden + ring + turn / 100, spot, box))
    if not found:  # no position inside the axes at all (a tiny axes): beside the point
        found.append((1e6, first, (measured.x0, measured.y0, measured.x1, measured.y1)))
    return found


def _arrange(order: Sequence[int], options: Sequence[list[_Option]]) -> tuple[float, list[_Spot]]:
    """Each label in ``order`` at its cheapest position given those placed before it (covering one
    costs what covering a marker does); the total cost and each label's spot, in label order."""
    placed: list[_Box] = []
    chosen: dict[int, _Spot] = {}
    total = 0.0
    for index in order:
        cost, spot, box = min(((cost + 1000 * sum(_overlap(box, other) for other in placed), spot, box)
                               for cost, spot, box in options[index]), key=lambda option: option[0])  # fmt: skip
        total += cost
        chosen[index] = spot
        placed.append(box)
    return total, [chosen[i] for i in range(len(options))]


def _marker_boxes(ax: Axes, lines: Iterable[Line2D], pixels: float) -> list[_Box]:
    """A box around every marker of ``lines`` (its size in display pixels)."""
    boxes = []
    for line in lines:
        half = line.get_markersize() * pixels / 2 + 1
        for x, y in ax.transData.transform(line.get_xydata()):
            boxes.append((float(x - half), float(y - half), float(x + half), float(y + half)))
    return boxes


def _segment_boxes(artist: Any, ax: Axes) -> list[_Box]:
    """Thin boxes along the segments of a line or line collection (an error bar, a step line)."""
    if hasattr(artist, "get_segments"):
        paths = [ax.transData.transform(seg) for seg in artist.get_segments()]
    elif hasattr(artist, "get_path"):
        paths = [artist.get_transform().transform(artist.get_path().vertices)]
    else:
        return []
    boxes = []
    for path in paths:
        for (x0, y0), (x1, y1) in pairwise(path):
            boxes.append((float(min(x0, x1) - 1), float(min(y0, y1) - 1), float(max(x0, x1) + 1),
                          float(max(y0, y1) + 1)))  # fmt: skip
    return boxes
