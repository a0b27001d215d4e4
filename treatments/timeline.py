"""The comparison's timeline: for each treatment, the sessions along the weeks,
the downtime after each, and when results usually show.

`timeline(treatments)` works out the geometry (in SVG user units) and the same
facts in words; `templates/treatments/_timeline.html` draws it as inline SVG,
rendered on the server (no JavaScript), followed by a table that says the same
for screen readers and anyone who prefers text.
"""

import math
from dataclasses import dataclass, field

from treatments.facts import downtime_range, downtime_text, results_range, results_weeks_text

WIDTH = 640  # SVG width in user units; the drawing scales to the space it has
LEFT = 16  # margin before week 0
RIGHT = 24  # margin after the last week
ROW_HEIGHT = 64
TOP = 8
AXIS_HEIGHT = 44
TICK_WEEKS = 4  # a labelled tick every month or so
MIN_WEEKS = 8
DOWNTIME_MIN_WIDTH = 3  # so a day of downtime stays visible


@dataclass
class Session:
    x: float
    week: int
    optional: bool  # a session only some people need (beyond the usual minimum)


@dataclass
class TimelineRow:
    treatment: object
    y: float  # top of the row
    sessions: list = field(default_factory=list)
    downtime: list = field(default_factory=list)  # (x, width) after each session
    results: tuple | None = None  # (x, width) of the weeks results usually show in
    sessions_text: str = ""
    downtime_text: str = ""
    results_text: str = ""

    @property
    def label_y(self):
        return self.y + 14

    @property
    def line_y(self):
        return self.y + 38

    @property
    def drawn(self):
        return bool(self.sessions)


@dataclass
class Timeline:
    weeks: int
    width: int
    height: int
    rows: list
    ticks: list  # (x, week)

    @property
    def axis_y(self):
        return self.height - AXIS_HEIGHT + 8

    @property
    def axis_end(self):
        return self.width - RIGHT


def _session_weeks(t):
    """[(week, optional)] of the usual course; [] when the number of sessions is unknown."""
    usual = t.sessions_min if t.sessions_min is not None else t.sessions_max
    most = t.sessions_max if t.sessions_max is not None else usual
    if usual is None:
        return []
    if most > 1 and t.weeks_between_sessions is None:
        return []
    interval = t.weeks_between_sessions or 0
    return [(i * interval, i >= usual) for i in range(most)]


def _ordinal_list(weeks):
    return ", ".join(str(w) for w in weeks[:-1]) + (" and " if len(weeks) > 1 else "") + str(weeks[-1])


def _weeks_in_words(weeks):
    return f"week {weeks[0]}" if len(weeks) == 1 else f"weeks {_ordinal_list(weeks)}"


def _sessions_in_words(sessions):
    """ "Weeks 0, 6 and 12, and week 18 if another session is needed"; "One session, in week 0"."""
    if not sessions:
        return "Not known: ask your clinician"
    usual = [w for w, optional in sessions if not optional]
    extra = [w for w, optional in sessions if optional]
    if len(usual) == 1 and not extra:
        return "One session, in week 0"
    text = _weeks_in_words(usual).capitalize()
    if extra:
        more = "another session is" if len(extra) == 1 else "more are"
        text += f", and {_weeks_in_words(extra)} if {more} needed"
    return text


def timeline(treatments):
    """The timeline of `treatments` (a list of Treatment), one row each, on one scale of weeks."""
    plans = [_session_weeks(t) for t in treatments]
    last = 0
    for t, sessions in zip(treatments, plans, strict=True):
        downtime = downtime_range(t)
        results = results_range(t)
        if sessions:
            last = max(last, sessions[-1][0] + (math.ceil(downtime[1] / 7) if downtime else 0))
        if results:
            last = max(last, results[1])
    weeks = max(MIN_WEEKS, math.ceil((last + 1) / TICK_WEEKS) * TICK_WEEKS)
    scale = (WIDTH - LEFT - RIGHT) / weeks

    def x(week):
        return round(LEFT + week * scale, 1)

    rows = []
    for i, (t, sessions) in enumerate(zip(treatments, plans, strict=True)):
        row = TimelineRow(treatment=t, y=TOP + i * ROW_HEIGHT)
        downtime = downtime_range(t)
        results = results_range(t)
        row.sessions = [Session(x=x(week), week=week, optional=optional) for week, optional in sessions]
        if downtime and downtime[1] > 0:
            width = max(DOWNTIME_MIN_WIDTH, round(downtime[1] / 7 * scale, 1))
            row.downtime = [(s.x, width) for s in row.sessions]
        if results:
            row.results = (x(results[0]), max(DOWNTIME_MIN_WIDTH, round((results[1] - results[0]) * scale, 1)))
        row.sessions_text = _sessions_in_words(sessions)
        after_each = downtime and downtime[1] > 0 and len(sessions) > 1
        row.downtime_text = (f"{downtime_text(t)}, after each session" if after_each else downtime_text(t)) or (
            "Not known: ask your clinician"
        )
        row.results_text = results_weeks_text(t).capitalize() or "Not known: ask your clinician"
        rows.append(row)
    height = TOP + len(rows) * ROW_HEIGHT + AXIS_HEIGHT
    ticks = [(x(week), week) for week in range(0, weeks + 1, TICK_WEEKS)]
    return Timeline(weeks=weeks, width=WIDTH, height=height, rows=rows, ticks=ticks)
