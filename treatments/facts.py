"""A treatment's key facts as patients read and compare them.

One place turns the structured fields into short text ("3–4", "every 6 weeks",
"18–24 weeks") and into values that can be compared, so the treatment cards,
the key-facts table and the comparison all say the same thing.
"""

from dataclasses import dataclass, field

from django.template.defaultfilters import pluralize

from treatments.models import NUMBING_GENTLENESS, Numbing

UNKNOWN = "Varies: ask your clinician"


def number_range(low, high, unit="", plural=None):
    """`3–4 sessions`, `1 session`, `up to 5 days`; "" when both are unknown."""
    if low is None and high is None:
        return ""
    plural = plural if plural is not None else f"{unit}s"
    if low is None:
        return f"up to {high} {plural if high != 1 else unit}".strip()
    if high is None or high == low:
        return f"{low} {unit if low == 1 else plural}".strip()
    return f"{low}–{high} {plural}".strip()


def sessions_text(t):
    return number_range(t.sessions_min, t.sessions_max, "session")


def is_single_session(t):
    return t.sessions_min == 1 and t.sessions_max in (None, 1)


def interval_text(t):
    if is_single_session(t):
        return "Not applicable: one session"
    if t.weeks_between_sessions is None:
        return ""
    weeks = f"{t.weeks_between_sessions} week{pluralize(t.weeks_between_sessions)}"
    if t.weeks_between_sessions % 4 == 0:
        months = t.weeks_between_sessions // 4
        return f"{weeks} (about {'a month' if months == 1 else f'{months} months'})"
    return weeks


def course_range(t):
    """Course length in weeks as (shortest, longest): sessions × weeks between sessions.
    A single-session treatment is (0, 0); unknown is None."""
    if is_single_session(t):
        return (0, 0)
    low, high = t.course_weeks_min, t.course_weeks_max
    if low is None or high is None:
        return None
    return (low, high)


def course_text(t):
    weeks = course_range(t)
    if weeks is None:
        return ""
    if weeks == (0, 0):
        return "A single session"
    return number_range(weeks[0], weeks[1], "week")


def numbing_text(t):
    text = t.get_numbing_display()
    minutes = number_range(t.numbing_minutes_min, t.numbing_minutes_max, "minute")
    if minutes and t.numbing in (Numbing.CREAM, Numbing.CREAM_OR_LOCAL):
        text += f"; the cream sits for {minutes} first"
    return text


def session_length_text(t):
    return number_range(t.session_minutes_min, t.session_minutes_max, "minute")


def downtime_range(t):
    if t.downtime_days_min is None and t.downtime_days_max is None:
        return None
    low = t.downtime_days_min if t.downtime_days_min is not None else t.downtime_days_max
    high = t.downtime_days_max if t.downtime_days_max is not None else t.downtime_days_min
    return (low, high)


def downtime_text(t):
    days = downtime_range(t)
    if days is None:
        return ""
    if days == (0, 0):
        return "None: back to normal the same day"
    if days[0] == 0:
        return f"Up to {number_range(days[1], None, 'day')}"
    return number_range(days[0], days[1], "day")


def results_text(t):
    if t.results_note:
        return t.results_note
    if t.results_weeks is not None:
        return f"After about {number_range(t.results_weeks, None, 'week')}"
    return ""


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    text: str
    # Lower is better; None when the fact cannot be ranked for this treatment.
    rank: tuple | None = None
    # The figure quoted in a comparison's short answer, when it differs from `text`.
    short: str = ""


def key_facts(t):
    """The facts of the key-facts table, in reading order."""
    course = course_range(t)
    downtime = downtime_range(t)
    return [
        Fact("sessions", "Sessions usually needed", sessions_text(t)),
        Fact("interval", "Time between sessions", interval_text(t)),
        Fact("course", "Course length (sessions × interval)", course_text(t), course and (course[1], course[0])),
        Fact(
            "numbing",
            "Numbing",
            numbing_text(t),
            (NUMBING_GENTLENESS.index(t.numbing),),
            short="no numbing needed" if t.numbing == Numbing.NONE else t.get_numbing_display().lower(),
        ),
        Fact("session_length", "Each session takes", session_length_text(t)),
        Fact("downtime", "Downtime", downtime_text(t), downtime and (downtime[1], downtime[0])),
        Fact(
            "results",
            "When results show",
            results_text(t),
            (t.results_weeks,) if t.results_weeks is not None else None,
            short=f"first changes after about {number_range(t.results_weeks, None, 'week')}"
            if t.results_weeks
            else "",
        ),
        Fact("invasiveness", "How invasive", t.get_invasiveness_display()),
        Fact("skin_types", "Suitable skin types", t.suitable_skin_types),
    ]


# --- Comparison ---------------------------------------------------------------

HIGHLIGHTS = {
    "course": "Shortest course",
    "downtime": "Least downtime",
    "numbing": "Gentlest numbing",
    "results": "Earliest results",
}


@dataclass
class Cell:
    text: str
    best: str = ""  # the highlight label when this treatment is best on this row


@dataclass
class Row:
    key: str
    label: str
    cells: list = field(default_factory=list)


@dataclass
class Highlight:
    label: str
    winners: list  # treatments
    text: str  # the winners' figure, e.g. "16–20 weeks"
    all_same: bool = False


def compare(treatments):
    """Rows of facts side by side, and which treatment is best on the facts patients ask about.

    A row is marked only when some treatments are better than others on it and
    every treatment has a figure for it; ties are all marked. Ranges compare on
    their upper figure first (the longest course or downtime to plan for).
    """
    facts = [{f.key: f for f in key_facts(t)} for t in treatments]
    rows, highlights = [], []
    for template in key_facts(treatments[0]):
        key = template.key
        row = Row(key=key, label=template.label, cells=[Cell(text=f[key].text or UNKNOWN) for f in facts])
        if key in HIGHLIGHTS:
            ranks = [f[key].rank for f in facts]
            if all(rank is not None for rank in ranks):
                best = min(ranks)
                winners = [i for i, rank in enumerate(ranks) if rank == best]
                if len(winners) < len(treatments):
                    for i in winners:
                        row.cells[i].best = HIGHLIGHTS[key]
                highlights.append(
                    Highlight(
                        label=HIGHLIGHTS[key],
                        winners=[treatments[i] for i in winners],
                        text=facts[winners[0]][key].short or facts[winners[0]][key].text,
                        all_same=len(winners) == len(treatments),
                    )
                )
        rows.append(row)
    offered = Row(key="offered_here", label="Offered at this clinic")
    offered.cells = [Cell(text="Yes" if t.offered_here else "No: information only") for t in treatments]
    rows.append(offered)
    return rows, highlights
