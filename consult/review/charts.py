"""Geometry for the dashboard's charts, drawn as SVG by templates/review/_charts.html.

The charts are pictures of numbers the page also gives in tables, so they need no
JavaScript and hide nothing from a screen reader.
"""

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


@dataclass
class Bar:
    label: str
    value: int
    percent: int
    y: int
    width: int
    colour: str


@dataclass
class StanceChart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    description: str


def stance_chart(counts, *, width=640, bar_height=28, gap=12, label_width=230):
    """Horizontal bars: how many organisations took each stance."""
    biggest = max(counts.stances.values(), default=0) or 1
    room = width - label_width - 60
    bars = [
        Bar(
            label=STANCE_NAMES[stance],
            value=counts.stances[stance],
            percent=counts.share(stance),
            y=index * (bar_height + gap),
            width=round(room * counts.stances[stance] / biggest),
            colour=STANCE_COLOURS[stance],
        )
        for index, stance in enumerate(STANCES)
    ]
    description = "; ".join(f"{bar.label}: {bar.value}" for bar in bars)
    return StanceChart(
        width=width,
        height=len(bars) * (bar_height + gap),
        label_width=label_width,
        bars=bars,
        description=f"Stances of the {counts.replied} organisations that replied. {description}.",
    )


THEME_COLOUR = "#1d70b8"


def themes_chart(themes, counts, *, width=640, bar_height=28, gap=12, label_width=230):
    """Horizontal bars: how many organisations raised each theme (``counts`` as
    consideration.queries.fetch_themes_by_sector gives it)."""
    raised = {
        theme: sum(n for (name, _sector), (n, _c) in counts.items() if name == theme)
        for theme in themes
    }
    biggest = max(raised.values(), default=0) or 1
    room = width - label_width - 60
    bars = [
        Bar(
            label=theme if len(theme) <= 32 else theme[:31] + "…",
            value=raised[theme],
            percent=0,
            y=index * (bar_height + gap),
            width=round(room * raised[theme] / biggest),
            colour=THEME_COLOUR,
        )
        for index, theme in enumerate(themes)
    ]
    description = "; ".join(f"{theme}: {raised[theme]}" for theme in themes)
    return StanceChart(
        width=width,
        height=max(len(bars), 1) * (bar_height + gap),
        label_width=label_width,
        bars=bars,
        description=f"Organisations that raised each theme. {description}.",
    )


@dataclass
class Marker:
    x: int
    label: str
    kind: str  # "deadline" or "reminder"


@dataclass
class Timeline:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    columns: list[tuple[int, int, int]] = field(default_factory=list)  # x, y, height
    line: str = ""
    markers: list[Marker] = field(default_factory=list)
    ticks: list[tuple[int, str]] = field(default_factory=list)
    most: int = 0
    description: str = ""


def timeline(replies_by_day, *, start, deadline, reminders, width=640, height=260):
    """Replies each day (columns) and in all (a line), with the deadline and each round of
    reminders marked, so officers can see whether reminders brought replies."""
    days = {date.fromisoformat(day): count for day, count in replies_by_day}
    starts = [london(start).date()] if start else []
    first = min([*starts, *days], default=london(utcnow()).date())
    last_candidates = [first, *days]
    if deadline:
        last_candidates.append(london(deadline).date())
    last_candidates += [london(when).date() for _offset, when in reminders if when]
    last = max(last_candidates)
    span = max((last - first).days, 1)
    left, right, top, bottom = 40, 16, 24, height - 40
    plot_width = width - left - right
    total = sum(days.values()) or 1

    def x_of(day):
        return left + round(plot_width * (day - first).days / span)

    column_width = max(2, min(14, plot_width // (span + 1) - 2))
    most_in_a_day = max(days.values(), default=0) or 1
    chart = Timeline(width=width, height=height, plot_top=top, plot_bottom=bottom, left=left)
    running, points = 0, [f"{left},{bottom}"]
    for day in (first + timedelta(days=n) for n in range(span + 1)):
        count = days.get(day, 0)
        running += count
        if count:
            column_height = round((bottom - top) * 0.5 * count / most_in_a_day)
            chart.columns.append(
                (x_of(day) - column_width // 2, bottom - column_height, column_height)
            )
        points.append(f"{x_of(day)},{bottom - round((bottom - top) * running / total)}")
    chart.line = " ".join(points)
    chart.most = running
    if deadline:
        chart.markers.append(Marker(x_of(london(deadline).date()), "Deadline", "deadline"))
    for offset, when in reminders:
        if when:
            label = f"Reminder {abs(offset)} days {'before' if offset < 0 else 'after'}"
            chart.markers.append(Marker(x_of(london(when).date()), label, "reminder"))
    step = max(1, span // 6)
    chart.ticks = [
        (x_of(first + timedelta(days=n)), format_date_short(first + timedelta(days=n)))
        for n in range(0, span + 1, step)
    ]
    chart.description = (
        f"{running} replies between {format_date_short(first)} and {format_date_short(last)}"
        + (f"; the deadline was {format_date(deadline, with_weekday=False)}" if deadline else "")
        + "."
    )
    return chart


def format_date_short(day):
    return f"{day.day} {day.strftime('%b')}"
