"""Geometry for the dashboard's charts, drawn as SVG by templates/review/_charts.html.

The charts are pictures of numbers the page also gives in tables, so they need no
JavaScript and hide nothing from a screen reader.

Every chart is as wide as its column and has no viewBox of its own, so its text is drawn
at 16 CSS pixels on a phone as on a desktop: a chart scaled down to fit a phone would
shrink its text with it. Across the chart, places are fractions of its width (SVG's
percentages); down it, CSS pixels. Each label has a row of its own, so no two labels meet
at any width. Shapes that need a path (the running total) are drawn in an inner SVG
stretched across the width.
"""

import textwrap
from dataclasses import dataclass, field
from datetime import date, timedelta

from consult.dates import format_date, london
from consult.db import utcnow
from consult.respond.models import STANCE_NAMES, STANCES

# GOV.UK colours with enough contrast against white for bars and text.
STANCE_COLOURS = {
    "supports": "#00703c",
    "supports_with_reservations": "#1d70b8",
    "prefers_another_option": "#4c2c92",
    "does_not_support": "#d4351c",
    "no_view": "#505a5f",
}
THEME_COLOUR = "#1d70b8"

LINE = 20  # the height of a line of 16px text
BAR = 24
ROW_GAP = 14
# At 16px a line of this many characters fits the narrowest column, 290 pixels at 320.
LABEL_CHARACTERS = 28
# A bar is at most this share of the width, leaving room for its number after it.
BAR_ROOM = 84


def label_lines(text, *, width=LABEL_CHARACTERS, most=3):
    """A label broken into lines that fit a phone's width (SVG text does not wrap)."""
    return textwrap.wrap(text, width, max_lines=most, placeholder=" …") or [""]


@dataclass
class Bar:
    lines: list[str]  # the label, above the bar
    value: int
    y: int  # the top of the bar's row
    width: float  # per cent of the chart's width
    colour: str

    @property
    def bar_y(self):
        return self.y + LINE * len(self.lines) + 4


@dataclass
class BarChart:
    height: int
    bars: list[Bar]
    description: str


def _bar_chart(named_values, colours, description):
    biggest = max((value for _name, value in named_values), default=0) or 1
    bars, y = [], 0
    for (name, value), colour in zip(named_values, colours, strict=True):
        bar = Bar(
            lines=label_lines(name),
            value=value,
            y=y,
            width=round(BAR_ROOM * value / biggest, 2),
            colour=colour,
        )
        bars.append(bar)
        y = bar.bar_y + BAR + ROW_GAP
    return BarChart(height=max(y - ROW_GAP, LINE), bars=bars, description=description)


def stance_chart(counts):
    """Horizontal bars: how many organisations took each stance."""
    named = [(STANCE_NAMES[stance], counts.stances[stance]) for stance in STANCES]
    listed = "; ".join(f"{name}: {value}" for name, value in named)
    return _bar_chart(
        named,
        [STANCE_COLOURS[stance] for stance in STANCES],
        f"Stances of the {counts.replied} organisations that replied. {listed}.",
    )


def themes_chart(themes, counts):
    """Horizontal bars: how many organisations raised each theme (``counts`` as
    consideration.queries.fetch_themes_by_sector gives it)."""
    raised = {
        theme: sum(n for (name, _sector), (n, _c) in counts.items() if name == theme)
        for theme in themes
    }
    named = [(theme, raised[theme]) for theme in themes]
    listed = "; ".join(f"{theme}: {raised[theme]}" for theme in themes)
    return _bar_chart(
        named,
        [THEME_COLOUR] * len(named),
        f"Organisations that raised each theme. {listed}.",
    )


@dataclass
class Segment:
    stance: str
    value: int
    x: float  # per cent of the chart's width
    width: float
    colour: str


@dataclass
class SectorBar:
    lines: list[str]
    y: int
    segments: list[Segment]

    @property
    def bar_y(self):
        return self.y + LINE * len(self.lines) + 4


@dataclass
class SectorChart:
    height: int
    bars: list[SectorBar]
    description: str


NOT_REPLIED = "not_replied"
# A little short of the width, so the outline of an empty last part is not cut off.
SECTOR_ROOM = 99.5


def sector_chart(sectors):
    """A bar for each sector, as long as the organisations asked in it, split by the
    stances of those that replied and, left empty, those that did not (yet), so sectors of
    different sizes compare by share (the table beside gives the numbers)."""
    bars, y, described = [], 0, []
    for counts in sectors:
        parts = [(stance, counts.stances[stance], STANCE_COLOURS[stance]) for stance in STANCES]
        parts.append((NOT_REPLIED, max(counts.asked - counts.replied, 0), "#ffffff"))
        segments, x = [], 0.0
        for stance, value, colour in parts:
            if value:
                width = round(SECTOR_ROOM * value / counts.asked, 2)
                segments.append(Segment(stance, value, x, width, colour))
                x = round(x + width, 2)
        label = f"{counts.name}: {counts.replied} of {counts.asked} replied"
        bar = SectorBar(lines=label_lines(label), y=y, segments=segments)
        bars.append(bar)
        y = bar.bar_y + BAR + ROW_GAP
        stances = ", ".join(
            f"{STANCE_NAMES[segment.stance].lower()} {segment.value}"
            for segment in segments
            if segment.stance != NOT_REPLIED
        )
        described.append(label + (f" ({stances})" if stances else ""))
    return SectorChart(
        height=max(y - ROW_GAP, LINE),
        bars=bars,
        description="Stances by sector. " + "; ".join(described) + ".",
    )


@dataclass
class Marker:
    x: float  # per cent of the width: the middle of the marker's day
    label: str
    kind: str  # "deadline" or "reminder"
    y: int = 0  # the baseline of its label, on a row of its own

    @property
    def anchor(self):
        """Labels on the left half run rightwards from their line, on the right half
        leftwards, so a short label never runs off either edge."""
        return "start" if self.x <= 50 else "end"


@dataclass
class Tick:
    x: float
    label: str
    anchor: str


@dataclass
class Timeline:
    """One of the two charts of replies over time: ``columns`` of replies each day, or
    a ``line`` of replies in all."""

    height: int
    plot_top: int
    plot_bottom: int
    scale: str  # what the top of the plot stands for
    markers: list[Marker]
    ticks: list[Tick]
    columns: list[tuple[float, int, float, int]] = field(default_factory=list)  # x y w h
    line: str = ""  # points in the inner SVG's units, INNER_WIDTH across
    description: str = ""


@dataclass
class Timelines:
    daily: Timeline
    total: Timeline


INNER_WIDTH = 1000
PLOT_HEIGHT = 120


def timeline(replies_by_day, *, start, deadline, reminders):
    """Replies each day and replies in all, as two charts over the same days with the
    deadline and each round of reminders marked on both, so officers can see whether
    reminders brought replies."""
    days = {date.fromisoformat(day): count for day, count in replies_by_day}
    starts = [london(start).date()] if start else []
    first = min([*starts, *days], default=london(utcnow()).date())
    last_candidates = [first, *days]
    if deadline:
        last_candidates.append(london(deadline).date())
    last_candidates += [london(when).date() for _offset, when in reminders if when]
    last = max(last_candidates)
    slots = (last - first).days + 1

    def middle(day):
        return round(100 * ((day - first).days + 0.5) / slots, 2)

    markers = []
    if deadline:
        markers.append(Marker(middle(london(deadline).date()), "Deadline", "deadline"))
    for offset, when in reminders:
        if when:
            label = f"{abs(offset)} days {'before' if offset < 0 else 'after'}"
            markers.append(Marker(middle(london(when).date()), label, "reminder"))
    markers.sort(key=lambda marker: marker.x)
    for row, marker in enumerate(markers):
        marker.y = LINE * (row + 1) - 5
    scale_y = LINE * (len(markers) + 1) - 5
    plot_top = scale_y + 10
    plot_bottom = plot_top + PLOT_HEIGHT
    height = plot_bottom + LINE + 6

    shown = sorted({round(n * (slots - 1) / 3) for n in range(4)})
    ticks = []
    for index, n in enumerate(shown):
        day = first + timedelta(days=n)
        if index == 0:
            ticks.append(Tick(0, format_date_short(day), "start"))
        elif index == len(shown) - 1:
            ticks.append(Tick(100, format_date_short(day), "end"))
        else:
            ticks.append(Tick(middle(day), format_date_short(day), "middle"))

    def inner_x(day):
        return round(INNER_WIDTH * ((day - first).days + 0.5) / slots, 1)

    most_in_a_day = max(days.values(), default=0)
    slot_width = INNER_WIDTH / slots
    total = sum(days.values())
    columns, running, points = [], 0, [f"0,{plot_bottom}"]
    for day in (first + timedelta(days=n) for n in range(slots)):
        count = days.get(day, 0)
        running += count
        if count:
            column_height = round(PLOT_HEIGHT * count / most_in_a_day)
            columns.append(
                (
                    round(inner_x(day) - slot_width * 0.3, 1),
                    plot_bottom - column_height,
                    round(slot_width * 0.6, 1),
                    column_height,
                )
            )
        height_now = round(PLOT_HEIGHT * running / total) if total else 0
        points.append(f"{inner_x(day)},{plot_bottom - height_now}")
    points.append(f"{INNER_WIDTH},{plot_bottom - (PLOT_HEIGHT if total else 0)}")

    between = f"between {format_date_short(first)} and {format_date_short(last)}"
    marked = f"; the deadline was {format_date(deadline, with_weekday=False)}" if deadline else ""
    if reminders:
        marked += "; reminders were due " + ", ".join(
            f"{marker.label} it" for marker in markers if marker.kind == "reminder"
        )
    shared = {
        "height": height,
        "plot_top": plot_top,
        "plot_bottom": plot_bottom,
        "markers": markers,
        "ticks": ticks,
    }
    busiest = max(days, key=days.get) if days else None
    daily = Timeline(
        **shared,
        scale=f"{most_in_a_day} in a day" if most_in_a_day else "No replies yet",
        columns=columns,
        description=(
            f"Replies each day {between}"
            + (
                f"; the most in a day was {most_in_a_day}, on {format_date_short(busiest)}"
                if busiest
                else ""
            )
            + marked
            + "."
        ),
    )
    total_chart = Timeline(
        **shared,
        scale=f"{total} in all",
        line=" ".join(points),
        description=f"Replies in all, rising to {total} {between}{marked}.",
    )
    return Timelines(daily=daily, total=total_chart)


def format_date_short(day):
    return f"{day.day} {day.strftime('%b')}"
