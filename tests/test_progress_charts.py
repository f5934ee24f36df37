"""The progress charts at any history length, and the text alternative of every chart.

Histories of one day, one week and six months; the checks read the matplotlib Figure
back (axis limits, tick positions and labels, the patches drawn), and each chart's alt
text is compared with the data the chart draws.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from bank_fixture import write_article
from matplotlib.dates import date2num, num2date
from matplotlib.patches import Rectangle, StepPatch
from synthetic import typed_history

from prep.content.loader import load_content
from prep.insight.cohort import CHARTS as COHORT_CHARTS
from prep.insight.cohort import compare_learners
from prep.insight.progress import (
    ALT_TEXTS,
    CALENDAR_WEEKS,
    alt_texts,
    calendar_grid,
    figures,
    summarise,
)
from prep.store.history import HistoryReport, HistoryStore
from prep.widgets import ProgressView
from prep.widgets.progress_view import chart_alt, chart_html, chart_png

UTC = timezone.utc
TODAY = date(2026, 11, 24)  # a Tuesday
IDS = ["past-role", "five-years", "first-involved", "language-limits"]


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    return load_content(write_article(tmp_path_factory.mktemp("content")))


def history(days: int, per_day: int = 3) -> pd.DataFrame:
    """`days` days up to TODAY (every third skipped after the first ten), `per_day` tries."""
    times, items = [], []
    for d in range(days):
        day = datetime(2026, 11, 24, 9, tzinfo=UTC) - timedelta(days=days - 1 - d)
        if days > 10 and d % 3 == 1:
            continue
        for k in range(per_day):
            times.append(day + timedelta(minutes=25 * k))
            items.append(IDS[(d + k) % len(IDS)] if per_day > 1 else IDS[0])
    return typed_history(times, items)


@pytest.fixture(scope="module", params=[1, 7, 182], ids=["1 day", "1 week", "6 months"])
def charts(request, content):
    summary = summarise(history(request.param), content, UTC, TODAY)
    return request.param, summary, figures(summary)


def tick_labels(ax) -> list[str]:
    ax.figure.canvas.draw()  # formatters run when the figure is drawn
    return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]


def xlim_dates(ax) -> tuple[datetime, datetime]:
    low, high = ax.get_xlim()
    return num2date(low), num2date(high)


# ---- the calendar --------------------------------------------------------------------------


def test_every_day_up_to_today_is_a_square_of_its_own_inside_the_grid(charts):
    _days, _summary, figs = charts
    ax = figs["calendar"].axes[0]
    squares = [p for p in ax.patches if isinstance(p, Rectangle)]
    # 25 full weeks and this week up to Tuesday
    assert len(squares) == (CALENDAR_WEEKS - 1) * 7 + TODAY.weekday() + 1
    assert all(p.get_width() < 1 and p.get_height() < 1 for p in squares)  # gaps between
    (low, high), (bottom, top) = ax.get_xlim(), sorted(ax.get_ylim())
    for square in squares:
        x, y = square.get_xy()
        assert low < x and x + square.get_width() < high
        assert bottom < y and y + square.get_height() < top
    (today,) = [p for p in squares if p.get_gid() == "today"]
    assert today.get_label().startswith(TODAY.isoformat())
    assert today.get_linewidth() > 1  # outlined, so it can be found


def test_days_without_practice_are_visible_squares_not_a_grey_block(content):
    summary = summarise(history(1), content, UTC, TODAY)
    ax = figures(summary)["calendar"].axes[0]
    empty = [p for p in ax.patches if p.get_label().endswith(": 0")]
    assert len(empty) == (CALENDAR_WEEKS - 1) * 7 + TODAY.weekday()  # all but today
    assert all(p.get_edgecolor()[3] > 0 and p.get_facecolor()[3] > 0 for p in empty)
    practised = [p for p in ax.patches if not p.get_label().endswith(": 0")]
    assert [p.get_label() for p in practised] == [f"{TODAY.isoformat()}: 3"]


def test_the_calendar_columns_are_labelled_with_their_weeks(charts):
    _days, summary, figs = charts
    ax = figs["calendar"].axes[0]
    grid = calendar_grid(summary)
    labels = tick_labels(ax)
    this_monday = TODAY - timedelta(days=TODAY.weekday())
    assert labels[-1] == f"{this_monday.day} {this_monday:%b}"  # 23 Nov: this week
    assert len(labels) == len(range(0, grid.weeks, 4))
    assert list(ax.get_xticks()) == list(range(grid.weeks - 1, -1, -4))[::-1]


# ---- time axes that suit the span -----------------------------------------------------------

QUESTION_CHARTS = ("coverage", "confidence", "answer-length")


def test_one_day_of_practice_draws_days_not_hours(content):
    summary = summarise(history(1), content, UTC, TODAY)
    figs = figures(summary)
    for name in QUESTION_CHARTS:
        ax = figs[name].axes[0]
        labels = tick_labels(ax)
        assert labels == ["Tue 24 Nov"], name  # one day, one label, no "08:00"
        low, high = xlim_dates(ax)
        assert timedelta(days=1) <= high - low <= timedelta(days=2)
        for line in ax.lines:  # each try inside its day, drawn with a marker
            xs = [num2date(x) for x in date2num(line.get_xdata())]
            assert all(x.date() == TODAY for x in xs)
            assert line.get_marker() == "o"


def test_a_days_tries_spread_across_the_day_in_order(content):
    start = datetime(2026, 11, 24, 9, tzinfo=UTC)
    tries = typed_history([start + timedelta(minutes=25 * n) for n in range(4)], ["past-role"] * 4)
    summary = summarise(tries, content, UTC, TODAY)  # four tries, 25 minutes apart
    (line,) = figures(summary)["coverage"].axes[0].lines
    xs = [num2date(x) for x in date2num(line.get_xdata())]
    assert [x.hour for x in xs] == [3, 9, 15, 21]  # not 09:00, 09:25, 09:50, 10:15


def test_the_weekly_chart_of_one_day_is_one_bar_under_its_week(content):
    summary = summarise(history(1), content, UTC, TODAY)
    fig = figures(summary)["practice-per-week"]
    top, bottom = fig.axes
    for ax in (top, bottom):
        (bar,) = [p for p in ax.patches if isinstance(p, StepPatch)]
        assert len(bar.get_data().values) == 1
    low, high = xlim_dates(bottom)
    assert high - low == timedelta(days=14)  # the week in the middle, half a week each side
    assert tick_labels(bottom) == ["23 Nov"]
    assert bottom.get_xlabel() == "week starting"


def test_a_week_gets_a_tick_per_day(content):
    figs = figures(summarise(history(7), content, UTC, TODAY))
    labels = tick_labels(figs["coverage"].axes[0])
    assert labels == [f"{d} Nov" for d in range(18, 25)]


def test_six_months_get_month_ticks_and_no_more_than_eight(content):
    figs = figures(summarise(history(182), content, UTC, TODAY))
    for name in ("practice-per-week", *QUESTION_CHARTS):
        ax = figs[name].axes[-1]
        labels = tick_labels(ax)
        assert 2 <= len(labels) <= 8, (name, labels)
        assert not any(":" in label for label in labels), (name, labels)
        assert "Aug" in labels and "Nov" in labels, (name, labels)


def test_no_time_chart_ever_labels_hours(charts):
    days, _summary, figs = charts
    for name in ("practice-per-week", *QUESTION_CHARTS):
        for ax in figs[name].axes:
            assert not any(":" in label for label in tick_labels(ax)), (days, name)


# ---- text alternatives ----------------------------------------------------------------------


def store_with(tmp_path, rows):
    store = HistoryStore(tmp_path / "h.csv")
    for when, item_id, confidence, coverage in rows:
        store.clock = lambda when=when: when
        extra = {"coverage": coverage} if coverage else {}
        store.record(item_id, "one two three four", confidence=confidence, extra=extra)
    return store.load()


@pytest.fixture
def four_tries(tmp_path):
    days_and_covers = ((20, "0.42"), (21, "0.55"), (22, "0.70"), (23, "0.93"))
    rows = [
        (datetime(2026, 11, d, 12, tzinfo=UTC), "past-role", 2 + n, c)
        for n, (d, c) in enumerate(days_and_covers)
    ]
    rows.append((datetime(2026, 11, 23, 15, tzinfo=UTC), "five-years", 3, "0.50"))
    return store_with(tmp_path, rows)


def test_the_coverage_alt_text_says_what_the_chart_shows(four_tries, content):
    summary = summarise(four_tries, content, UTC, TODAY)
    alt = ALT_TEXTS["coverage"](summary)
    assert alt == (
        "Talking-point coverage over time, 20 Nov to 23 Nov 2026: Your role in past "
        "projects rose from 42% at the first attempt to 93% at the latest, over 4 attempts; "
        "Where you'll be in five years: 50% at its one attempt."
    )
    # the same figures the chart draws
    lines = {
        line.get_label(): list(line.get_ydata())
        for line in figures(summary)["coverage"].axes[0].lines
    }
    assert lines["Your role in past projects"][0] == 42.0
    assert lines["Your role in past projects"][-1] == 93.0


def test_the_confidence_and_length_alt_texts(four_tries, content):
    summary = summarise(four_tries, content, UTC, TODAY)
    assert ALT_TEXTS["confidence"](summary).startswith(
        "Confidence over time, 20 Nov to 23 Nov 2026: Your role in past projects rose from "
        "2/5 at the first attempt to 5/5 at the latest, over 4 attempts;"
    )
    length = ALT_TEXTS["answer-length"](summary)
    assert "projects was 4 words at the first attempt and at the latest, over 4 attempts" in length


def test_the_calendar_and_weekly_alt_texts_for_one_day(content):
    summary = summarise(history(1), content, UTC, TODAY)
    texts = alt_texts(summary)
    assert texts["calendar"] == (
        "Practice calendar, a square a day for the 26 weeks from Mon 1 Jun 2026 to today, "
        "Tue 24 Nov 2026: you practised on 1 day (3 answers), at most 3 in a day (last on "
        "Tue 24 Nov); today 3 answers. Streak 1 day (longest 1); 1 of 3 practice days this "
        "week."
    )
    assert texts["practice-per-week"] == (
        "Practice per week, the week of Mon 23 Nov 2026: 3 attempts, 3 minutes timed."
    )


def test_the_weekly_alt_text_names_the_busiest_and_the_last_week(content):
    summary = summarise(history(7), content, UTC, TODAY)
    assert ALT_TEXTS["practice-per-week"](summary) == (
        "Practice per week, 2 weeks from 16 Nov to 23 Nov 2026 (weeks start on Monday): "
        "21 attempts and 21 minutes timed in all; most in the week of 16 Nov (15 attempts, "
        "15 minutes timed); the last, week of 23 Nov: 6 attempts, 6 minutes timed."
    )


def test_the_attempts_alt_text_lists_the_bars_top_to_bottom(four_tries, content):
    summary = summarise(four_tries, content, UTC, TODAY)
    ax = figures(summary)["attempts-per-item"].axes[0]
    drawn = [t.get_text() for t in ax.get_yticklabels()][::-1]  # barh draws bottom up
    widths = [int(p.get_width()) for p in ax.patches][::-1]
    listed = ", ".join(f"{t} {n}" for t, n in zip(drawn, widths, strict=True))
    assert ALT_TEXTS["attempts-per-item"](summary) == (
        f"Attempts per question and tip (tips count each saved field): {listed}."
    )


def test_an_empty_selection_says_so_in_every_alt_text(four_tries, content):
    summary = summarise(four_tries, content, UTC, TODAY, since=date(2026, 11, 24))
    texts = alt_texts(summary)
    assert texts["coverage"] == "Talking-point coverage over time: nothing to show yet."
    assert texts["practice-per-week"] == "Practice per week: nothing saved in this selection."
    assert texts["calendar"].startswith("Practice calendar")  # always all practice


def test_every_chart_on_the_page_is_an_img_with_its_alt_text(four_tries, content):
    view = ProgressView(lambda: HistoryReport(four_tries), content, tz=UTC, today=TODAY)
    assert len(view.charts.children) == 6
    for image in view.charts.children:
        assert image.value.startswith("<img ") and " alt='" in image.value
        assert chart_png(image).startswith(b"\x89PNG")
    texts = [chart_alt(image) for image in view.charts.children]
    # the question charts follow the topic chosen: the article's four are all one topic
    assert texts == list(alt_texts(view.summary).values())
    # a title with an apostrophe cannot end the attribute early
    assert "Where you&#x27;ll be" in view.charts.children[2].value


def test_chart_html_escapes_the_alt_text():
    html = chart_html(b"\x89PNG", "a 'quoted' <b>title</b> & more")
    assert "alt='a &#x27;quoted&#x27; &lt;b&gt;title&lt;/b&gt; &amp; more'" in html


# ---- the cohort's charts --------------------------------------------------------------------


def test_the_cohort_charts_have_alt_texts_and_a_weekly_axis(content):
    ana = typed_history([datetime(2026, 11, 24, 9, tzinfo=UTC)] * 2, ["past-role"] * 2)
    ben = typed_history([datetime(2026, 11, 24, 10, tzinfo=UTC)], ["five-years"])
    summary = compare_learners([("ana", ana), ("ben", ben)], content, UTC, TODAY)
    (_weekly, draw_weekly, describe_weekly), (_cov, draw_cov, describe_cov) = COHORT_CHARTS
    assert describe_weekly(summary) == (
        "Attempts per week for 2 learners, the week of 23 Nov 2026: ana 2 in all; ben 1 in all."
    )
    ax = draw_weekly(summary).axes[0]
    assert tick_labels(ax) == ["23 Nov"]  # one week, one label, no hours
    coverage = summary.coverage_by_question
    ana_cover = coverage.loc["ana"].dropna()
    assert describe_cov(summary) == (
        "Latest talking-point coverage per question for 2 learners: "
        f"ana: {ana_cover.index[0]} {ana_cover.iloc[0]:.0f}%; "
        f"ben: {coverage.loc['ben'].dropna().index[0]} "
        f"{coverage.loc['ben'].dropna().iloc[0]:.0f}%."
    )
    assert draw_cov(summary).axes  # draws


def test_a_long_trend_says_its_points_are_means(content):
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    many = typed_history(
        [start + timedelta(hours=12 * n) for n in range(400)],
        ["past-role"] * 400,
        coverage=lambda n: 0.2 + 0.6 * n / 399,
    )
    summary = summarise(many, content, UTC, date(2025, 7, 1))
    alt = ALT_TEXTS["coverage"](summary)
    assert alt.startswith("Talking-point coverage over time (weekly mean), 30 Dec 2024 to ")
    (line,) = figures(summary)["coverage"].axes[0].lines  # the weekly means it draws
    first, last = round(line.get_ydata()[0]), round(line.get_ydata()[-1])
    assert (first, last) == (21, 79)
    assert f"rose from {first}% at the first week to {last}% at the latest, over 400" in alt
