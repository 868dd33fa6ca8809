"""Geometry of the report's inline SVG charts; the templates draw them (and escape every label)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Colours of first-level indicators (cycled) and of grade bands (best first).
SERIES_COLOURS = ("#3b6fb6", "#e08a2c", "#4f9d69", "#c2514a", "#8566b0", "#8c6d4f",
                  "#d26fae", "#6f7f8f", "#b4b82f", "#2fb3c0")
BAND_COLOURS = ("#1a7f37", "#4c9a2a", "#2f6fb3", "#d98b1b", "#c23b31", "#7a4ea3", "#6e7781")


@dataclass
class Segment:
    x: float
    width: float
    colour: str
    label: str  # series name, for the tooltip
    value: float


@dataclass
class Bar:
    y: float
    label: str
    total: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class StackedChart:
    width: float
    height: float
    left: float  # where bars start (after the site names)
    top: float
    row: float
    bar: float
    plot_width: float
    bars: list[Bar]
    ticks: list[Tick]
    legend: list[tuple[str, str]]  # (colour, name)


def band_colour(index: int) -> str:
    return BAND_COLOURS[min(index, len(BAND_COLOURS) - 1)]


def stacked_chart(rows: list[tuple[str, list[float]]], series: list[str],
                  scale_max: float = 100.0, width: float = 960.0) -> StackedChart:
    """Horizontal bars, one per (label, values) row, stacked by series, 0..scale_max wide."""
    left, top = 190.0, 34.0
    row = 22.0 if len(rows) <= 40 else 15.0
    bar = row - 6.0
    plot_width = width - left - 60.0
    biggest = max((sum(values) for _, values in rows), default=0.0)
    scale_max = max(scale_max, biggest, 1e-9)
    unit = plot_width / scale_max
    bars: list[Bar] = []
    for index, (label, values) in enumerate(rows):
        x = left
        segments = []
        for position, value in enumerate(values):
            if value <= 0:
                continue
            segments.append(Segment(round(x, 2), round(value * unit, 2),
                                    SERIES_COLOURS[position % len(SERIES_COLOURS)],
                                    series[position], round(value, 2)))
            x += value * unit
        bars.append(Bar(top + index * row, label, round(sum(values), 2), segments))
    step = _nice_step(scale_max)
    ticks = []
    value = 0.0
    while value <= scale_max + 1e-9:
        ticks.append(Tick(round(left + value * unit, 2), f"{value:g}"))
        value += step
    legend = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], name) for i, name in enumerate(series)]
    height = top + len(rows) * row + 24.0
    return StackedChart(width, height, left, top, row, bar, plot_width, bars, ticks, legend)


def _nice_step(span: float, most: int = 7) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that keeps the axis to `most` intervals."""
    magnitude = 1.0
    while True:
        for base in (1.0, 2.0, 2.5, 5.0):
            if span / (base * magnitude) <= most:
                return base * magnitude
        magnitude *= 10.0


@dataclass
class BandBar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    name: str
    count: int
    share: str


@dataclass
class BandChart:
    width: float
    height: float
    baseline: float
    bars: list[BandBar]


def band_chart(counts: list[tuple[str, int]], width: float = 480.0,
               height: float = 200.0) -> BandChart:
    """Vertical bars of how many sites fall in each grade band (best band first)."""
    baseline = height - 40.0
    total = sum(c for _, c in counts) or 1
    biggest = max((c for _, c in counts), default=0) or 1
    slot = (width - 20.0) / max(len(counts), 1)
    bars = []
    for index, (name, count) in enumerate(counts):
        bar_height = (baseline - 24.0) * count / biggest
        bars.append(BandBar(round(10.0 + index * slot + slot * 0.15, 2),
                            round(baseline - bar_height, 2), round(slot * 0.7, 2),
                            round(bar_height, 2), band_colour(index), name, count,
                            f"{100 * count / total:.0f}%"))
    return BandChart(width, height, baseline, bars)
