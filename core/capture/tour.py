"""Planning the frames of a preview: which part of the dashboard each frame shows.

The tour stops at a few scroll positions spread over the dashboard's height (one stop when it fits the
screen) and, at each stop, shows the plain view and then spotlights the panels in view one at a time
(outlined and hovered, which also brings up Grafana's tooltips). Why this rather than a smooth scroll:
a GIF runs at a couple of frames per second, so a scroll in small steps reads as a jerky pan in which
nothing stays still long enough to read, and it changes every pixel of every frame, which GIF cannot
compress (no motion compensation). Stops a screen apart show the whole dashboard; spotlight frames
change only the outlined panels, so they cost a few kilobytes each and give the eye time to read.
Consecutive frames always differ: a stop differs from the previous one by its scroll position, and
within a stop the spotlight moves (alternating with the plain view when only one panel is in view).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The page counts as scrollable when it overflows by at least this share of a screen; less than that,
# scroll steps would be too small to see and the bottom edge shows in the spotlight frames anyway.
MIN_SCROLL_SHARE = 0.1
# Successive stops are at most this share of a screen apart, so each overlaps the last by a fifth and
# the viewer keeps their bearings.
STOP_STRIDE_SHARE = 0.8
# A panel is "in view" at a stop when this share of it (or of the screen, for taller panels) shows.
VISIBLE_SHARE = 0.6


@dataclass(frozen=True)
class PanelBox:
    """A panel's vertical extent in page coordinates (pixels from the top of the scrolled content)."""

    top: float
    height: float


@dataclass(frozen=True)
class TourStep:
    scroll_top: int
    panel: int | None  # index into the panels given to plan_tour, or None for the plain view


def _in_view(panel: PanelBox, scroll_top: int, view_height: int) -> bool:
    if panel.height <= 0:
        return False
    top = panel.top - scroll_top
    shown = min(top + panel.height, view_height) - max(top, 0)
    return shown >= VISIBLE_SHARE * min(panel.height, view_height)


def _spread(max_scroll: int, count: int) -> list[int]:
    positions = [round(i * max_scroll / (count - 1)) for i in range(count)] if count > 1 else [0]
    return list(dict.fromkeys(positions))  # drop repeats when the page barely scrolls


def plan_tour(*, frames: int, max_scroll: int, view_height: int, panels: Sequence[PanelBox]) -> list[TourStep]:
    """One step per frame (fewer only when the page offers nothing to vary: then all are alike)."""
    if frames <= 1:
        return [TourStep(0, None)]
    scrolls = max_scroll >= MIN_SCROLL_SHARE * max(1, view_height)
    if scrolls:
        # A very long dashboard gets at most one stop per frame: the GIF skips parts rather than grow.
        count = min(frames, math.ceil(max_scroll / (STOP_STRIDE_SHARE * view_height)) + 1)
        stops = _spread(max_scroll, count)
    else:
        stops = [0]
    in_view = [[i for i, panel in enumerate(panels) if _in_view(panel, stop, view_height)] for stop in stops]

    if not any(in_view):
        # Nothing to spotlight: a scrollable page spends every frame on its own scroll position.
        if scrolls:
            return [TourStep(stop, None) for stop in _spread(max_scroll, frames)]
        return [TourStep(0, None)] * frames

    counts = [1] * len(stops)
    with_panels = [i for i, panels_here in enumerate(in_view) if panels_here]
    for extra in range(frames - len(stops)):
        counts[with_panels[extra % len(with_panels)]] += 1

    steps: list[TourStep] = []
    spotlit: set[int] = set()
    for stop, panels_here, count in zip(stops, in_view, counts, strict=True):
        # Panels not yet spotlit at an earlier stop come first; ties keep the page order.
        order = sorted(panels_here, key=lambda i: (i in spotlit, i))
        cycle: list[int | None] = [None, *order]
        for j in range(count):
            panel = cycle[j % len(cycle)]
            steps.append(TourStep(stop, panel))
            if panel is not None:
                spotlit.add(panel)
    return steps


def describe(steps: Sequence[TourStep]) -> str:
    """What varies between the frames: "scroll", "spotlight", "scroll+spotlight" or "still"."""
    scrolled = len({step.scroll_top for step in steps}) > 1
    spotlit = any(step.panel is not None for step in steps)
    if scrolled and spotlit:
        return "scroll+spotlight"
    if scrolled:
        return "scroll"
    if spotlit:
        return "spotlight"
    return "still"
