"""The dashboard's chart geometry: text on rows of its own, places as shares of the width
(tests/browser/test_charts_and_phones.py measures the drawn charts)."""

from datetime import UTC, datetime
from itertools import pairwise

from consult.review import charts
from consult.review.queries import Counts


def counts(name, asked, **stances):
    row = Counts(name, requests=asked)
    for stance, value in stances.items():
        row.stances[stance] = value
        row.replied += value
    return row


def test_long_labels_are_broken_into_lines_that_fit_a_phone():
    lines = charts.label_lines(
        "Rotherham Doncaster and South Humber NHS Foundation Trust: 1 of 2 replied"
    )
    assert lines == [
        "Rotherham Doncaster and",
        "South Humber NHS Foundation",
        "Trust: 1 of 2 replied",
    ]
    assert all(len(line) <= charts.LABEL_CHARACTERS for line in lines)
    assert charts.label_lines("a " * 60)[-1].endswith("…")
    assert charts.label_lines("") == [""]


def test_each_stance_bar_has_its_own_row_and_a_width_by_its_share_of_the_biggest():
    chart = charts.stance_chart(counts("All", 10, supports=6, does_not_support=3))

    assert [bar.lines for bar in chart.bars] == [
        ["Supports"],
        ["Supports with reservations"],
        ["Prefers another option"],
        ["Does not support"],
        ["No view"],
    ]
    assert [bar.width for bar in chart.bars] == [charts.BAR_ROOM, 0, 0, charts.BAR_ROOM / 2, 0]
    rows = [(bar.y, bar.bar_y + charts.BAR) for bar in chart.bars]
    assert all(bottom <= next_top for (_, bottom), (next_top, _) in pairwise(rows))
    assert chart.height == rows[-1][1]
    assert chart.description == (
        "Stances of the 9 organisations that replied. Supports: 6; Supports with "
        "reservations: 0; Prefers another option: 0; Does not support: 3; No view: 0."
    )


def test_a_theme_with_a_long_name_takes_more_lines_not_a_cut_name():
    theme = "Keeping schools on the board of the new arrangements"
    chart = charts.themes_chart(
        [theme, "Cost"], {(theme, "School"): (2, 1), ("Cost", "NHS"): (1, 0)}
    )

    assert chart.bars[0].lines == ["Keeping schools on the board", "of the new arrangements"]
    assert chart.bars[1].y == chart.bars[0].bar_y + charts.BAR + charts.ROW_GAP
    assert [bar.value for bar in chart.bars] == [2, 1]


def test_a_sectors_bar_is_split_by_stance_with_those_not_replied_left_empty():
    chart = charts.sector_chart(
        [counts("School", 4, supports=2, does_not_support=1), counts("Police", 2)]
    )
    school, police = chart.bars

    assert school.lines == ["School: 3 of 4 replied"]
    assert [(s.stance, s.value, s.x, s.width) for s in school.segments] == [
        ("supports", 2, 0, 49.75),
        ("does_not_support", 1, 49.75, 24.88),
        ("not_replied", 1, 74.63, 24.88),
    ]
    assert [(s.stance, s.width) for s in police.segments] == [("not_replied", 99.5)]
    assert chart.description == (
        "Stances by sector. School: 3 of 4 replied (supports 2, does not support 1); "
        "Police: 0 of 2 replied."
    )


def test_the_timeline_is_two_charts_with_each_marker_label_on_a_row_of_its_own():
    at_noon = lambda day: datetime(2017, 3, day, 12, tzinfo=UTC)  # noqa: E731
    timelines = charts.timeline(
        [("2017-03-02", 1), ("2017-03-08", 3), ("2017-03-10", 1)],
        start=at_noon(1),
        deadline=at_noon(10),
        reminders=[(-7, at_noon(3)), (-2, at_noon(8)), (3, at_noon(13))],
    )
    daily, total = timelines.daily, timelines.total

    # 13 days, 1 to 13 March: each marker in the middle of its day.
    assert [(m.label, m.x, m.anchor) for m in daily.markers] == [
        ("7 days before", 19.23, "start"),
        ("2 days before", 57.69, "end"),
        ("Deadline", 73.08, "end"),
        ("3 days after", 96.15, "end"),
    ]
    baselines = [marker.y for marker in daily.markers]
    assert baselines == sorted(set(baselines))  # one row each
    assert all(b - a >= charts.LINE for a, b in pairwise(baselines))
    assert daily.plot_top > baselines[-1] + charts.LINE
    assert [(tick.label, tick.x, tick.anchor) for tick in daily.ticks] == [
        ("1 Mar", 0, "start"),
        ("5 Mar", 34.62, "middle"),
        ("9 Mar", 65.38, "middle"),
        ("13 Mar", 100, "end"),
    ]
    assert daily.scale == "3 in a day"
    assert [height for _x, _y, _width, height in daily.columns] == [40, 120, 40]
    assert total.scale == "5 in all"
    assert not total.columns and not daily.line
    assert total.line.split()[-1] == f"1000,{total.plot_top}"
    assert daily.description == (
        "Replies each day between 1 Mar and 13 Mar; the most in a day was 3, on 8 Mar; "
        "the deadline was 10 March 2017; reminders were due 7 days before it, 2 days before "
        "it, 3 days after it."
    )
    assert total.description.startswith("Replies in all, rising to 5 between 1 Mar and 13 Mar")


def test_a_timeline_with_no_replies_and_no_deadline_still_draws():
    timelines = charts.timeline(
        [], start=datetime(2017, 3, 1, 9, tzinfo=UTC), deadline=None, reminders=[]
    )

    assert timelines.daily.scale == "No replies yet"
    assert timelines.daily.markers == [] and timelines.daily.columns == []
    assert [tick.label for tick in timelines.daily.ticks] == ["1 Mar"]
    bottom = timelines.total.plot_bottom
    assert timelines.total.line == f"0,{bottom} 500.0,{bottom} 1000,{bottom}"
