"""A treatment's key facts as patients read and compare them.

One place turns the structured fields into short text ("3–4", "every 6 weeks",
"about 3–4 months") and into values that can be compared, so the treatment
cards, the key-facts table and the comparison all say the same thing.
"""

from dataclasses import dataclass, field

from treatments.models import DISCOMFORT_ORDER, Numbing, Suitability

WEEKS_PER_MONTH = 52 / 12

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
    weeks = number_range(t.weeks_between_sessions, None, "week")
    if t.weeks_between_sessions % 4 == 0:
        months = t.weeks_between_sessions // 4
        return f"{weeks} (about {'a month' if months == 1 else f'{months} months'})"
    return weeks


def course_range(t):
    """Weeks from the first to the last session as (shortest, longest course):
    (sessions − 1) × weeks between sessions. A single session is (0, 0); unknown is None."""
    if is_single_session(t):
        return (0, 0)
    low, high = t.course_weeks_min, t.course_weeks_max
    if low is None or high is None:
        return None
    return (low, high)


def _months(weeks):
    return int(weeks / WEEKS_PER_MONTH + 0.5)


def weeks_in_words(low, high):
    """A span in plain words: "about 6 weeks", "about 3–4 months" (from 8 weeks on, in whole months)."""
    if high < 8:
        return f"about {number_range(low, high, 'week')}"
    if low < 8:
        return f"about {number_range(low, None, 'week')} to {_months(high)} months"
    months_low, months_high = _months(low), _months(high)
    if months_low == months_high:
        return f"about {'a month' if months_low == 1 else f'{months_low} months'}"
    return f"about {months_low}–{months_high} months"


def course_in_words(low, high):
    """A course of `low`–`high` weeks as a short answer quotes it mid-sentence: "one session",
    "one session, or about 4 months", "about 3–4 months"."""
    if high == 0:
        return "one session"
    if low == 0:
        return f"one session, or {weeks_in_words(high, high)}"
    return weeks_in_words(low, high)


def course_at_most(high):
    """The longest course in words, as ties on it are quoted: "one session", "up to about 4 months"."""
    return "one session" if high == 0 else f"up to {weeks_in_words(high, high)}"


def course_text(t):
    """ "About 3–4 months (12–18 weeks)" from the first to the last session; "One session" for one."""
    weeks = course_range(t)
    if weeks is None:
        return ""
    low, high = weeks
    if high == 0:
        return "One session"
    if low == 0:
        return f"One session, or {weeks_in_words(high, high)} ({number_range(high, None, 'week')}) for the most"
    return f"{weeks_in_words(low, high).capitalize()} ({number_range(low, high, 'week')})"


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


def downtime_at_most(high):
    """The longest downtime in words, as ties on it are quoted: "none", "up to 3 days"."""
    return "none" if high == 0 else f"up to {number_range(high, None, 'day')}"


def results_range(t):
    """(first, last) week after the first session in which results usually show; None when unknown."""
    low, high = t.results_weeks_min, t.results_weeks_max
    if low is None and high is None:
        return None
    return (low if low is not None else high, high if high is not None else low)


def results_weeks_text(t):
    """ "6–8 weeks after the first session"; "" when unknown."""
    weeks = results_range(t)
    return f"{number_range(*weeks, 'week')} after the first session" if weeks else ""


def results_text(t):
    """When results usually show, with the clinician's note: "6–8 weeks after the first session. …"."""
    weeks = results_weeks_text(t)
    parts = [weeks[0].upper() + weeks[1:]] if weeks else []
    if t.results_note:
        parts.append(t.results_note)
    return ". ".join(part.rstrip(".") for part in parts) + ("." if parts else "")


def discomfort_text(t):
    """ "Mild: pressure and prickling"; "" when no clinician has judged it."""
    if not t.discomfort:
        return ""
    text = t.get_discomfort_display()
    return f"{text}: {t.discomfort_note}" if t.discomfort_note else text


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    text: str
    # Lower is better; None when the fact cannot be ranked for this treatment.
    rank: tuple | None = None
    # The figure quoted in a comparison's short answer, when it differs from `text`.
    short: str = ""
    # The figure `rank` compares, in words ("up to 3 days", "from week 1 after the first
    # session"): what tied treatments share when their own figures read differently.
    compared: str = ""


def key_facts(t):
    """The facts of the key-facts table, in reading order."""
    course = course_range(t)
    downtime = downtime_range(t)
    results = results_range(t)
    return [
        Fact("sessions", "Sessions usually needed", sessions_text(t)),
        Fact("interval", "Time between sessions", interval_text(t)),
        Fact(
            "course",
            "Time from first to last session",
            course_text(t),
            course and (course[1],),
            short=course and course_in_words(*course),
            compared=course and course_at_most(course[1]),
        ),
        Fact("numbing", "Numbing", numbing_text(t)),
        Fact(
            "discomfort",
            "How much it hurts",
            discomfort_text(t),
            (DISCOMFORT_ORDER.index(t.discomfort),) if t.discomfort else None,
            short=t.get_discomfort_display().lower() if t.discomfort else "",
        ),
        Fact("session_length", "Each session takes", session_length_text(t)),
        Fact(
            "downtime",
            "Downtime",
            downtime_text(t),
            downtime and (downtime[1],),
            compared=downtime and downtime_at_most(downtime[1]),
        ),
        Fact(
            "results",
            "When results usually show",
            results_text(t),
            results and (results[0],),
            short=results_weeks_text(t),
            compared=results and f"from week {results[0]} after the first session",
        ),
        Fact("invasiveness", "How invasive", t.get_invasiveness_display()),
        Fact("skin_types", "Suitable skin types", t.suitable_skin_types),
    ]


# --- Comparison ---------------------------------------------------------------

HIGHLIGHTS = {
    "course": "Shortest course",
    "discomfort": "Least discomfort",
    "downtime": "Least downtime",
    "results": "Earliest results",
}

# How well a treatment must work for a condition to be ranked in a comparison for it.
SUITED = {Suitability.WELL_SUITED, Suitability.SOMETIMES_USED}


@dataclass
class Cell:
    text: str
    best: str = ""  # the highlight label when this treatment is best on this row
    reference: object = None  # a Reference backing the text, if any


@dataclass
class Row:
    key: str
    label: str
    cells: list = field(default_factory=list)


@dataclass
class Highlight:
    label: str
    winners: list  # treatments
    text: str  # the winners' figure, e.g. "about 3–4 months"
    all_same: bool = False


@dataclass
class Comparison:
    """What `compare` returns: `rows` of cells side by side, `highlights` (the short
    answer), and, when compared for a condition, the treatments left out of the
    ranking (`not_ranked`) because they are not suited to it."""

    rows: list
    highlights: list
    ranked: list
    not_ranked: list = field(default_factory=list)


def _in_words(fact):
    """The figure a comparison's short answer quotes for `fact`."""
    return fact.short or fact.text


def suitability_text(link):
    """ "Well suited", "Limited effect"…; what to say when a treatment is not listed or not judged."""
    if link is None:
        return "Not one of its usual treatments"
    return link.get_suitability_display() if link.suitability else "Not yet assessed by our clinicians"


def compare(treatments, *, condition=None, links=None):
    """Rows of facts side by side, and which treatment is best on the facts patients ask about.

    `condition` (a Condition or None) with `links` ({treatment id: ConditionTreatment}
    for it) adds a row saying how well each works for that condition, and ranks
    only the treatments well suited to it or sometimes used for it.

    A row is marked only when some ranked treatments are better than others on it
    and every ranked treatment has a figure for it; ties are all marked, and a
    figure that reads the same as the best one in the short answer (both "about
    3–4 months") ties with it. As the table's caption tells the patient, ranges
    compare on their upper figure only (the longest course or downtime to plan
    for) and results on their first week only: 1–6 and 1–8 weeks tie, and the
    short answer then quotes the figure they share ("from week 1 after the first
    session") rather than either one's own.
    """
    links = links or {}
    if condition is None:
        ranked = list(range(len(treatments)))
    else:
        ranked = [
            i for i, t in enumerate(treatments) if links.get(t.pk) is not None and links[t.pk].suitability in SUITED
        ]
    facts = [{f.key: f for f in key_facts(t)} for t in treatments]
    rows, highlights = [], []
    if condition is not None:
        row = Row(key="suitability", label=f"For {condition.title.lower()}")
        for t in treatments:
            link = links.get(t.pk)
            row.cells.append(Cell(text=suitability_text(link), reference=link and link.suitability_reference))
        rows.append(row)
    for template in key_facts(treatments[0]):
        key = template.key
        row = Row(key=key, label=template.label, cells=[Cell(text=f[key].text or UNKNOWN) for f in facts])
        ranks = {i: facts[i][key].rank for i in ranked}
        if key in HIGHLIGHTS and len(ranks) >= 2 and all(rank is not None for rank in ranks.values()):
            best = min(ranks.values())
            first = next(i for i, rank in ranks.items() if rank == best)
            text = _in_words(facts[first][key])
            # A figure that reads the same as the best one in plain words ties with it:
            # "about 3–4 months" is no shorter than "about 3–4 months", whatever the weeks say.
            winners = [i for i, rank in ranks.items() if rank == best or _in_words(facts[i][key]) == text]
            if any(_in_words(facts[i][key]) != text for i in winners):
                text = facts[first][key].compared
            if len(winners) < len(ranks):
                for i in winners:
                    row.cells[i].best = HIGHLIGHTS[key]
            highlights.append(
                Highlight(
                    label=HIGHLIGHTS[key],
                    winners=[treatments[i] for i in winners],
                    text=text,
                    all_same=len(winners) == len(ranks),
                )
            )
        rows.append(row)
    offered = Row(key="offered_here", label="Offered at this clinic")
    offered.cells = [Cell(text="Yes" if t.offered_here else "No: information only") for t in treatments]
    rows.append(offered)
    return Comparison(
        rows=rows,
        highlights=highlights,
        ranked=[treatments[i] for i in ranked],
        not_ranked=[t for i, t in enumerate(treatments) if i not in ranked],
    )
