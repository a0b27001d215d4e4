"""Health details in text that staff write to a patient by email.

Email is not a safe place for health details: a decline reason may say why
without naming a pregnancy or a medicine. `health_terms_in` finds the
screening topics (one list of words per screening question) and other
obvious health terms in such text, so the form can ask staff to reword it or
to confirm it goes as written. It is a check for slips, not a filter: it
never changes the text.
"""

import re

# The words that give away each screening answer (bookings.models.SCREENING_FIELDS).
SCREENING_TOPICS = {
    "isotretinoin_recent": [r"isotretinoin", r"roaccutane", r"accutane", r"retinoids?"],
    "pregnant_or_breastfeeding": [r"pregnan\w*", r"breast-?\s?feed\w*", r"expecting a baby", r"miscarr\w*"],
    "keloid_tendency": [r"keloids?", r"hypertrophic scar\w*"],
    "active_skin_infection": [r"infect\w*", r"cold sores?", r"herpes", r"impetigo", r"shingles"],
}
# Other health details that have no place in an email.
HEALTH_TERMS = [
    r"diagnos\w*",
    r"medications?",
    r"medicines?",
    r"prescri\w*",
    r"allerg\w*",
    r"diabet\w*",
    r"epilep\w*",
    r"cancer\w*",
    r"tumou?rs?",
    r"chemotherapy",
    r"radiotherapy",
    r"HIV",
    r"hepatitis",
    r"depress(?:ion|ed)",
    r"anxiety",
    r"mental health",
    r"blood pressure",
    r"blood[- ]thinn\w*",
    r"warfarin",
    r"anticoagula\w*",
    r"steroids?",
    r"immuno\w*",
    r"auto-?immune",
    r"pacemaker",
    r"surgery",
]
TERMS = re.compile(
    r"\b(?:" + "|".join([term for terms in SCREENING_TOPICS.values() for term in terms] + HEALTH_TERMS) + r")\b",
    re.IGNORECASE,
)


def health_terms_in(text):
    """The health terms in `text`, as written and in the order they first appear,
    each once (case aside): ["Pregnancy", "isotretinoin"]. [] when there are none."""
    found = {}
    for match in TERMS.finditer(text or ""):
        found.setdefault(match.group(0).lower(), match.group(0))
    return list(found.values())
