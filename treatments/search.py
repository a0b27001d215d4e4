"""Site search over everything a patient can read: page titles, other names,
summaries, body sections, FAQs (question and answer), key takeaways and the
clinic's published answers to patients' questions.

How a search runs, on either database:

1. The query becomes *term groups* (`parse_query`): common words ("how", "the",
   "after") are dropped, and a word or phrase listed in a synonym group that
   editors keep in admin (`SearchSynonym`) brings the rest of its group along,
   so "needling" also looks for "microneedling" and "dermaroller".
2. The database finds the pages and parts that mention any term (`_retrieve`):
   PostgreSQL with full-text search (prefix matching of word stems over
   `to_tsvector('simple', ...)`), SQLite with case-insensitive substring matching.
3. One ranking, in Python, shared by both databases (`_rank`): each group is
   weighted by how rare it is among the pages, and by where it appears (a title
   counts more than a passing mention). Both databases therefore give the same
   top results for the same content.
4. A word found nowhere is taken for a typo (`_correct`): the closest word in
   the site's vocabulary, by trigram similarity and edit distance, replaces it.
   PostgreSQL finds the candidates with `pg_trgm`'s `similarity()` over
   `ts_stat`; SQLite computes the same trigram similarity in Python. When even
   that finds nothing, a looser match is offered as "Did you mean …". Everyday
   question words ("much", "cost", "long") are never taken for typos.
5. A question about prices ("how much does microneedling cost", "fees") leaves
   its price words out of the search and points each treatment found at its
   price section (`PRICE_WORDS`); the page adds the consultation fee.

Matches are marked in snippets word by word ("microneedling" never marks
"microdermabrasion").
"""

import html
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from treatments.markdown import SECTION_HEADING
from treatments.models import (
    FAQ,
    Comment,
    Condition,
    KeyTakeaway,
    PublicationStatus,
    SearchSynonym,
    Treatment,
)
from treatments.prices import cost_text

MAX_RESULTS = 20
MAX_WORDS = 10
SNIPPET_LENGTH = 200
MAX_PHRASE_WORDS = 4

# Words that say little about what a patient is looking for.
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be been before being but by can could did do does
    doing during each for from get gets getting go had has have having how i if in into is it its just many me more
    most much my no not of off on once only or other our out over same should so some such than that the their them
    then there these they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours""".split()
)

# Words that ask what something costs. Prices and the consultation fee are facts, not
# text the index holds: a query with one of these is answered with the treatments'
# price sections (and, in the page, the consultation fee), never by a "typo" such as
# "cost" → "most" or "price" → "ice".
PRICE_WORDS = frozenset(
    """price prices priced pricing cost costs costing fee fees charge charges pay paying expensive cheap cheaper
    cheapest afford affordable""".split()
)

# Everyday words of patients' questions: when the site does not use one, it is left
# out, never "corrected" into some unrelated word that the site does use.
NEVER_CORRECTED = (
    STOPWORDS
    | PRICE_WORDS
    | frozenset(
        """long hurt hurts painful pain sore quick quicker quickest fast faster fastest slow safe safer best better
        worse worst work works take takes need needs help helps last lasts permanent soon""".split()
    )
)

# How much a match counts, by where it is.
WEIGHTS = {
    "title": 10,
    "other_names": 10,
    "faq_question": 6,
    "summary": 4,
    "heading": 4,
    "takeaway": 3,
    "faq_answer": 2,
    "answer": 2,
    "text": 1,
}

# Typo correction: the least trigram similarity a candidate needs, and the most
# edits (insertions, deletions, substitutions, swaps) allowed for a word of a length.
# Among the candidates, the fewest edits win, then the word found on most pages.
SIMILARITY_THRESHOLD = 0.2


def max_edits(word, *, loose=False):
    """Edits tolerated in `word`: 1 up to 5 letters, 2 beyond; one more when `loose`."""
    return (1 if len(word) <= 5 else 2) + (1 if loose else 0)


# --- Words ------------------------------------------------------------------------


def tokens(text):
    """Lowercased words (letters and digits) of `text`, in order."""
    return re.findall(r"[^\W_]+", text.lower())


def query_words(query):
    """The words of a query, without operators or punctuation (at most MAX_WORDS)."""
    return tokens(query)[:MAX_WORDS]


def stem(word):
    """A light English stem used as a prefix: "scars" → "scar", "needling" → "needl",
    "scarring" → "scar", "patches" → "patch". Short words stay whole."""
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            if len(base) >= 5 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            return base
    if re.search(r"(?:ch|sh|[sxz])es$", word) and len(word) >= 6:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) >= 4:
        return word[:-1]
    return word


def trigrams(word):
    """The trigrams pg_trgm makes of one word: padded with two spaces before and one after."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a, b):
    """pg_trgm's `similarity(a, b)` for single words: shared trigrams / all trigrams (0–1)."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta or tb else 0.0


def edit_distance(a, b):
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours."""
    previous2, previous = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


# --- Query → term groups -------------------------------------------------------------


@dataclass
class Group:
    """What one word or phrase of the query looks for: any of `alternatives`
    (each a tuple of words, a phrase when more than one)."""

    typed: str
    alternatives: list
    corrected: str = ""
    from_synonyms: bool = False

    def pattern(self):
        """A regular expression matching any alternative, each word by its stem as a prefix."""
        return "|".join(_phrase_pattern(words) for words in self.alternatives)

    def literal_pattern(self):
        """A regular expression matching what the patient typed (or its correction) only."""
        return _phrase_pattern(tuple(tokens(self.corrected or self.typed)))


def _phrase_pattern(words):
    return r"\b" + r"\W+".join(re.escape(stem(word)) + r"\w*" for word in words)


def load_synonyms():
    """{term as a tuple of words: [every term of its groups]} from the synonym groups editors keep."""
    synonyms = {}
    for group in SearchSynonym.objects.values_list("terms", flat=True):
        terms = [tuple(tokens(term)) for term in group.split(",") if tokens(term)]
        for term in terms:
            synonyms.setdefault(term, [])
            synonyms[term] += [t for t in terms if t not in synonyms[term]]
    return synonyms


def parse_query(query, synonyms):
    """The term groups of `query` (see the module docstring), in the query's order."""
    words = query_words(query)
    stems = {}
    for term in synonyms:
        stems.setdefault(tuple(stem(w) for w in term), term)
    groups, i = [], 0
    while i < len(words):
        for length in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            phrase = tuple(words[i : i + length])
            term = phrase if phrase in synonyms else stems.get(tuple(stem(w) for w in phrase))
            if term is not None:
                groups.append(Group(" ".join(phrase), list(synonyms[term]), from_synonyms=True))
                i += length
                break
        else:
            if words[i] not in STOPWORDS:
                groups.append(Group(words[i], [(words[i],)]))
            i += 1
    return groups


# --- Finding: the database's part ------------------------------------------------------


def _postgres_filter(fields, groups):
    from django.contrib.postgres.search import SearchQuery, SearchVector

    alternatives = {words for group in groups for words in group.alternatives}
    raw = " | ".join(
        "(" + " <-> ".join("'{}':*".format(stem(w).replace("'", "''")) for w in words) + ")"
        for words in sorted(alternatives)
    )
    query = SearchQuery(raw, search_type="raw", config="simple")
    return {"document": SearchVector(*fields, config="simple")}, Q(document=query)


def _simple_filter(fields, groups):
    condition = Q()
    for words in {words for group in groups for words in group.alternatives}:
        phrase = Q()
        for word in words:
            phrase &= Q.create([(f"{name}__icontains", stem(word)) for name in fields], connector=Q.OR)
        condition |= phrase
    return {}, condition


def _matching(queryset, fields, groups, *, also=None):
    """`queryset` narrowed to rows whose `fields` mention any term of `groups` (or that match `also`, a Q)."""
    make = _postgres_filter if connection.vendor == "postgresql" else _simple_filter
    aliases, condition = make(fields, groups)
    return queryset.alias(**aliases).filter(condition | also if also is not None else condition)


PAGE_FIELDS = {Condition: ["title", "summary", "body"], Treatment: ["title", "other_names", "summary", "body"]}
LISTED_FIELDS = ["title", "slug", "summary", "body_html"]
# The parts of pages searched besides the page itself: kind, where its text is, and which rows count.
PART_COLUMNS = ("kind", "pk", "page_id", "first", "second")


def _published_part():
    published = PublicationStatus.PUBLISHED
    return Q(page__condition__status=published) | Q(page__treatment__status=published)


def _part_sources():
    """(kind, queryset, searched fields, first column, second column) for FAQs, takeaways and clinic answers."""
    return [
        ("faq", FAQ.objects.filter(_published_part()), ["question", "answer"], "question", "answer_html"),
        ("takeaway", KeyTakeaway.objects.filter(_published_part()), ["text"], "text", None),
        (
            "answer",
            Comment.objects.approved().filter(_published_part(), clinician__isnull=False),
            ["body"],
            "body",
            None,
        ),
    ]


def _matching_parts(groups):
    """[(kind, pk, Page id, first text, second text)] of the parts that
    mention a term of `groups`, in one query (UNION ALL)."""
    text = models.TextField()
    querysets = [
        _matching(queryset.order_by(), fields, groups)
        .annotate(
            kind=models.Value(kind, output_field=models.CharField()),
            first=Cast(first, text),
            second=Cast(second, text) if second else models.Value("", output_field=text),
        )
        .values_list(*PART_COLUMNS)
        for kind, queryset, fields, first, second in _part_sources()
    ]
    return list(querysets[0].union(*querysets[1:], all=True))


def _retrieve(groups):
    """{(model, pk): page} for every published page that mentions a term, or whose FAQ,
    takeaway or clinic answer does; each page carries `parts`: its matching FAQs,
    takeaways and clinic answers as (kind, anchor, {field: text}). Three queries."""
    parts = []
    for kind, pk, page_id, first, second in _matching_parts(groups):
        if kind == "faq":
            part = ("faq", f"faq-{pk}", {"faq_question": first, "faq_answer": second})
        elif kind == "takeaway":
            part = ("takeaway", "takeaways-title", {"takeaway": first})
        else:
            part = ("answer", f"comment-{pk}", {"answer": escape(first)})
        parts.append((page_id, part))
    pages, by_page_id = {}, {}
    with_parts = Q(page__in={page_id for page_id, _ in parts})
    for model, fields in PAGE_FIELDS.items():
        listed = [*LISTED_FIELDS, "page", "other_names"] if model is Treatment else [*LISTED_FIELDS, "page"]
        for page in _matching(model.objects.published(), fields, groups, also=with_parts).only(*listed):
            page.parts = []
            pages[(model, page.pk)] = by_page_id[page.page_id] = page
    for page_id, part in parts:
        if page_id in by_page_id:
            by_page_id[page_id].parts.append(part)
    return pages


# --- Ranking: shared by both databases ---------------------------------------------------


def _plain(fragment_html):
    """Readable text of an HTML fragment: citation numbers dropped, whitespace collapsed."""
    fragment_html = re.sub(r"<sup>.*?</sup>", "", fragment_html)
    return re.sub(r"\s+", " ", html.unescape(strip_tags(fragment_html))).strip()


def _units(page):
    """The parts of a page a hit can point at: (kind, anchor, label, {field: text})."""
    head = {"title": page.title, "summary": page.summary}
    if isinstance(page, Treatment):
        head["other_names"] = page.other_names
    units = [("page", "", "", head)]
    pieces = SECTION_HEADING.split(page.body_html)
    # split() gives: intro, id, heading, text, id, heading, text, ...
    if _plain(pieces[0]):
        units.append(("section", "", "", {"text": _plain(pieces[0])}))
    for i in range(1, len(pieces) - 2, 3):
        heading = _plain(pieces[i + 1])
        units.append(("section", pieces[i], heading, {"heading": heading, "text": _plain(pieces[i + 2])}))
    for kind, anchor, fields in page.parts:
        plain = {name: _plain(text) for name, text in fields.items()}
        units.append((kind, anchor, plain.get("faq_question", ""), plain))
    return units


@dataclass
class Hit:
    """One page found: where to go (`url`, maybe anchored at an FAQ or a section),
    what it is (`kind`: "condition" or "treatment") and why (`snippet`, safe HTML)."""

    page: object
    kind: str
    score: float
    url: str
    part_kind: str = ""  # "faq", "section", "takeaway", "answer" or "" for the page itself
    part_label: str = ""  # the FAQ's question or the section's heading
    snippet: str = ""
    matched: set = field(default_factory=set)


def _rank(pages, groups, page_count):
    """Hits for `pages`, best first: each group counts by its rarity among pages
    (inverse document frequency) times the weight of the best place it appears."""
    patterns = [re.compile(group.pattern(), re.IGNORECASE) for group in groups]
    literals = [re.compile(group.literal_pattern(), re.IGNORECASE) for group in groups]
    found = {}
    for key, page in pages.items():
        units = _units(page)
        matches, literal = [], []  # per unit: {group index: best weight}, number of groups typed as such
        for _, _, _, fields in units:
            best = {}
            for g, pattern in enumerate(patterns):
                weights = [WEIGHTS[name] for name, text in fields.items() if text and pattern.search(text)]
                if weights:
                    best[g] = max(weights)
            matches.append(best)
            literal.append(sum(any(text and p.search(text) for text in fields.values()) for p in literals))
        page_best = Counter()
        for best in matches:
            for g, weight in best.items():
                page_best[g] = max(page_best[g], weight)
        if page_best:
            found[key] = (page, units, matches, literal, page_best)
    frequency = Counter(g for *_, page_best in found.values() for g in page_best)
    rarity = {g: math.log(1 + page_count / n) for g, n in frequency.items()}
    hits = []
    for page, units, matches, literal, page_best in found.values():
        score = sum(rarity[g] * weight for g, weight in page_best.items())

        # The part holding most of the words as typed, then the best placed; the page itself wins ties.
        best_unit = max(
            range(len(units)), key=lambda i: (literal[i], sum(rarity[g] * w for g, w in matches[i].items()), -i)
        )
        kind, anchor, label, fields = units[best_unit]
        url = page.get_absolute_url() + (f"#{anchor}" if anchor else "")
        hit = Hit(
            page=page,
            kind="condition" if isinstance(page, Condition) else "treatment",
            score=score,
            url=url,
            part_kind="" if kind == "page" else kind,
            part_label=label,
            matched=set(page_best),
        )
        hit.snippet = _snippet(kind, fields, page, patterns)
        hits.append(hit)
    hits.sort(key=lambda hit: (-round(hit.score, 6), hit.page.title))
    return hits[:MAX_RESULTS]


# --- Typos ------------------------------------------------------------------------------


def _vocabulary_sources():
    """Querysets of the published text the vocabulary is made of, with their fields."""
    return [
        (Condition.objects.published(), PAGE_FIELDS[Condition]),
        (Treatment.objects.published(), PAGE_FIELDS[Treatment]),
        *((queryset, fields) for _, queryset, fields, _, _ in _part_sources()),
    ]


def _postgres_candidates(word):
    """[(word, documents it is in, similarity)] from pg_trgm over the site's words (ts_stat)."""
    from django.contrib.postgres.search import SearchVector

    documents = []
    for queryset, fields in _vocabulary_sources():
        documents_query = (
            queryset.order_by().annotate(document=SearchVector(*fields, config="simple")).values("document")
        )
        sql, params = documents_query.query.sql_with_params()
        documents.append(connection.ops.compose_sql(sql, params))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc, similarity(word, %s) FROM ts_stat(%s) WHERE similarity(word, %s) >= %s",
            [word, " UNION ALL ".join(documents), word, SIMILARITY_THRESHOLD],
        )
        return cursor.fetchall()


def _python_candidates(word):
    """The same as `_postgres_candidates`, computed in Python (SQLite)."""
    documents = Counter()
    for queryset, fields in _vocabulary_sources():
        for values in queryset.values_list(*fields):
            documents.update(set(tokens(" ".join(values))))
    return [(w, n, s) for w, n in documents.items() if (s := similarity(word, w)) >= SIMILARITY_THRESHOLD]


def _closest(word, candidates, *, loose=False):
    """The best replacement for `word` among `candidates` [(word, documents, similarity)], or ""."""
    allowed = max_edits(word, loose=loose)
    ranked = sorted(
        (edit_distance(word, w), -n, -round(s, 6), w)
        for w, n, s in candidates
        if w.isalpha() and w != word and w not in STOPWORDS and edit_distance(word, w) <= allowed
    )
    return ranked[0][3] if ranked else ""


def _correct(groups, synonyms, *, loose=False):
    """{typed word: closest known word} for the single-word groups that `groups` found nowhere."""
    unknown = [
        g.typed
        for g in groups
        if not g.from_synonyms and " " not in g.typed and g.typed.isalpha() and g.typed not in NEVER_CORRECTED
    ]
    if not unknown:
        return {}
    find = _postgres_candidates if connection.vendor == "postgresql" else _python_candidates
    synonym_words = Counter(w for term in synonyms for w in term)
    corrections = {}
    for word in unknown:
        candidates = find(word) + [
            (w, n, s) for w, n in synonym_words.items() if (s := similarity(word, w)) >= SIMILARITY_THRESHOLD
        ]
        if closest := _closest(word, candidates, loose=loose):
            corrections[word] = closest
    return corrections


def _apply(groups, corrections, synonyms):
    """`groups` with each corrected word replaced by its correction (and the correction's synonyms)."""
    fixed = []
    for group in groups:
        word = corrections.get(group.typed)
        if word is None:
            fixed.append(group)
            continue
        replacement = parse_query(word, synonyms)
        alternatives = replacement[0].alternatives if replacement else [(word,)]
        fixed.append(Group(group.typed, alternatives, corrected=word, from_synonyms=bool(replacement)))
    return fixed


# --- The search -------------------------------------------------------------------------


@dataclass
class SearchResult:
    """What a search found: `hits` best first; `corrections` {typed: used instead}
    for typos it forgave; `suggestion` a query to offer as "Did you mean …" when
    nothing was found ("" when there is none)."""

    hits: list
    corrections: dict
    suggestion: str = ""
    about_prices: bool = False


def asks_about_prices(query):
    """True when `query` asks what something costs ("price", "how much does it cost", "fees")."""
    return any(word in PRICE_WORDS for word in query_words(query))


def _price_hit(treatment, hit=None):
    """`hit` (or a new Hit for `treatment`) pointed at the treatment's price section, its snippet the price."""
    hit = hit or Hit(page=treatment, kind="treatment", score=0, url="")
    hit.url = f"{treatment.get_absolute_url()}#price-title"
    hit.part_kind, hit.part_label = "price", "Price"
    hit.snippet = escape(cost_text(treatment))
    return hit


def _price_hits(hits):
    """A price question's hits: each treatment found, pointed at its price; when nothing but
    price words was asked (`hits` None), every treatment offered here. One query."""
    if hits is None:
        treatments = Treatment.objects.published().filter(offered_here=True).order_by("title")
        return [_price_hit(treatment) for treatment in treatments]
    ids = [hit.page.pk for hit in hits if hit.kind == "treatment"]
    treatments = Treatment.objects.in_bulk(ids)
    return [_price_hit(treatments[hit.page.pk], hit) if hit.kind == "treatment" else hit for hit in hits]


def search(query):
    """Search published content for `query` (any text a person types); see the module docstring.

    A query asking about prices (`asks_about_prices`) is searched without its price words,
    and each treatment found links to its price section; with nothing else asked, every
    treatment offered here is listed with its price. `about_prices` tells the page to
    add the consultation fee."""
    synonyms = load_synonyms()
    groups = parse_query(query, synonyms)
    about_prices = asks_about_prices(query)
    if about_prices:
        groups = [group for group in groups if group.from_synonyms or group.typed not in PRICE_WORDS]
        if not groups:
            return SearchResult(hits=_price_hits(None), corrections={}, about_prices=True)
    if not groups:
        return SearchResult(hits=[], corrections={})
    conditions, treatments = (model.objects.published().order_by().values("pk") for model in PAGE_FIELDS)
    page_count = conditions.union(treatments, all=True).count()
    hits = _rank(_retrieve(groups), groups, page_count)
    found = set().union(*(hit.matched for hit in hits))
    missing = [group for g, group in enumerate(groups) if g not in found]
    corrections = _correct(missing, synonyms)
    if corrections:
        groups = _apply(groups, corrections, synonyms)
        hits = _rank(_retrieve(groups), groups, page_count)
    suggestion = ""
    if not hits:
        loose = _correct(missing, synonyms, loose=True)
        if loose:
            suggestion = " ".join(loose.get(word, word) for word in query_words(query))
    if about_prices:
        hits = _price_hits(hits)
    return SearchResult(hits=hits, corrections=corrections, suggestion=suggestion, about_prices=about_prices)


# --- Snippets ---------------------------------------------------------------------------


def _snippet(kind, fields, page, patterns):
    """A short passage of the part found (or the page's summary), with the matches marked."""
    if kind == "page":
        text = page.summary
    elif kind == "faq":
        text = fields["faq_answer"]
    else:
        text = next((fields[name] for name in ("text", "takeaway", "answer") if name in fields), page.summary)
    combined = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE) if patterns else None
    match = combined.search(text) if combined else None
    start = 0
    if match and match.start() > 80:
        start = text.find(" ", match.start() - 60) + 1 or match.start()
    end = min(len(text), start + SNIPPET_LENGTH + (100 if start == 0 and kind == "page" else 0))
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    passage = text[start:end]
    return mark_safe(("… " if start else "") + str(_mark(passage, combined)) + (" …" if end < len(text) else ""))


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
