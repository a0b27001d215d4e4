"""Site search over published conditions and treatments.

On PostgreSQL: full-text search (English stemming, `websearch` syntax, which
accepts any text a person types) ranked by where the words appear: title and
other names first, then the summary, then the body. On SQLite: every word
must appear, case-insensitively, somewhere in the page; title matches first.
"""

import html
import re

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from treatments.models import Condition, Treatment

RESULTS_PER_KIND = 20
MAX_WORDS = 10
SNIPPET_LENGTH = 200

SEARCH_FIELDS = {
    Condition: [("title", "A"), ("summary", "B"), ("body", "C")],
    Treatment: [("title", "A"), ("other_names", "A"), ("summary", "B"), ("body", "C")],
}
LISTED_FIELDS = ["title", "slug", "summary", "body_html"]


def query_words(query):
    """The words of a query, without operators or punctuation."""
    return re.findall(r"\w+", query)[:MAX_WORDS]


def _postgres_search(model, query):
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = None
    for name, weight in SEARCH_FIELDS[model]:
        part = SearchVector(name, weight=weight, config="english")
        vector = part if vector is None else vector + part
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return (
        model.objects.published()
        .alias(document=vector)
        .filter(document=search_query)
        .annotate(rank=SearchRank(vector, search_query))
        .order_by("-rank", "title")
    )


def _simple_search(model, query):
    words = query_words(query)
    if not words:
        return model.objects.none()
    fields = [name for name, _ in SEARCH_FIELDS[model]]
    queryset = model.objects.published()
    for word in words:
        queryset = queryset.filter(Q.create([(f"{name}__icontains", word) for name in fields], connector=Q.OR))
    first = words[0]
    return queryset.annotate(
        rank=Case(
            When(title__icontains=first, then=Value(3)),
            When(summary__icontains=first, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("-rank", "title")


def search_pages(query):
    """Published pages matching `query`: {"conditions": [...], "treatments": [...]},
    each page with a `snippet` (safe HTML, matches in <mark>)."""
    search = _postgres_search if connection.vendor == "postgresql" else _simple_search
    words = query_words(query)
    results = {}
    for key, model in (("conditions", Condition), ("treatments", Treatment)):
        pages = list(search(model, query).only(*LISTED_FIELDS)[:RESULTS_PER_KIND])
        for page in pages:
            page.snippet = snippet(page, words)
        results[key] = pages
    return results


def _word_pattern(words):
    # A word, or its first five letters, so "scars" also finds "scarring".
    stems = {w[:5] if len(w) > 5 else w for w in words} | set(words)
    alternatives = sorted((re.escape(s) for s in stems if s), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\w*", re.IGNORECASE) if alternatives else None


def snippet(page, words):
    """A short passage of the page around the first match, with the matches marked."""
    pattern = _word_pattern(words)
    summary = page.summary
    if pattern is None or pattern.search(summary):
        return _mark(summary[: SNIPPET_LENGTH + 100], pattern)
    text = re.sub(r"\s+", " ", html.unescape(strip_tags(_readable(page.body_html))))
    match = pattern.search(text)
    if match is None:
        return _mark(summary, pattern)
    start = max(0, match.start() - 60)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + SNIPPET_LENGTH)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    passage = text[start:end]
    return mark_safe(("… " if start else "") + str(_mark(passage, pattern)) + (" …" if end < len(text) else ""))


def _readable(body_html):
    """Body HTML ready to flatten: citation numbers dropped, headings ended like sentences."""
    body_html = re.sub(r"<sup>.*?</sup>", "", body_html)
    return re.sub(r"</h[2-4]>", ". ", body_html)


def _mark(text, pattern):
    if pattern is None:
        return escape(text)
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))
