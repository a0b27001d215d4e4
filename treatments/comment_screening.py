"""What a new comment says, and so the status it starts in: too many links (spam),
urgent symptoms, or the patient's own phone number or email address (held for a
moderator). services.post_comment screens every comment with `screen`.
"""

import re

import phonenumbers
from django.conf import settings

from treatments.models import CommentStatus

LINK_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|uk|ru|cn|xyz|top|site|online|shop|link|click)\b",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def count_links(text):
    """Web addresses in `text`, with or without a scheme."""
    return len(LINK_RE.findall(EMAIL_RE.sub(" ", text)))


def contains_email_address(text):
    return EMAIL_RE.search(text) is not None


def contains_phone_number(text):
    """A valid number for the clinic's region (or any, with a country code), or
    a possible one long enough not to be a year, a price or a dose."""
    region = settings.CLINIC_PHONE_REGION
    if any(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)):
        return True
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        if sum(ch.isdigit() for ch in match.raw_string) >= 10:
            return True
    return False


# Symptoms that need care now, not an answer in a day or two: (what to call it, pattern).
URGENT_SYMPTOMS = [
    ("fever", re.compile(r"\bfever(?:ish)?\b|\bhigh temperature\b|\btemperature of (?:3[89]|1[01]\d)", re.I)),
    (
        "spreading redness or swelling",
        re.compile(
            r"\b(?:redness|red|swelling|swollen|rash)\b[^.!?\n]{0,40}\bspread"
            r"|\bspread\w*\b[^.!?\n]{0,40}\b(?:redness|red|swelling|swollen)\b",
            re.I,
        ),
    ),
    ("pus", re.compile(r"\bpus\b|\boozing\b|\bpustules? (?:filled|full)", re.I)),
    (
        "bleeding that does not stop",
        re.compile(
            r"\bbleed\w*\b[^.!?\n]{0,40}\b(?:won'?t|will not|doesn'?t|does not|didn'?t|did not|can'?t|cannot|not)"
            r"\s+stop|\b(?:keeps?|kept|still|non-stop)\s+bleeding\b",
            re.I,
        ),
    ),
    (
        "a sudden change in vision",
        re.compile(
            r"\b(?:blurred|blurry|double|lost|loss of|losing|sudden(?:ly)?[^.!?\n]{0,20})"
            r"\s*(?:vision|eyesight|sight)\b"
            r"|\b(?:vision|eyesight|sight)\b[^.!?\n]{0,30}\b(?:blurr\w*|went|gone|changed|dark|double)\b"
            r"|\bcan'?t see\b",
            re.I,
        ),
    ),
]


def urgent_symptoms(text):
    """The urgent symptoms `text` mentions, by name, in URGENT_SYMPTOMS' order
    (empty when none). Errs on the side of flagging: a moderator checks."""
    return [name for name, pattern in URGENT_SYMPTOMS if pattern.search(text)]


def screen(text):
    """The status a new comment starts in, and why it was held if it was.

    Too many links: spam. Urgent symptoms, a phone number or an email address:
    held for a moderator even when comments are otherwise published at once
    (the patient needs care, or posted their own contact details).
    """
    reasons = []
    links = count_links(text)
    if links > settings.COMMENT_MAX_LINKS:
        return CommentStatus.SPAM, f"Held as spam: {links} links (more than {settings.COMMENT_MAX_LINKS})."
    if symptoms := urgent_symptoms(text):
        reasons.append(f"urgent symptoms ({', '.join(symptoms)})")
    if contains_phone_number(text):
        reasons.append("a phone number")
    if contains_email_address(text):
        reasons.append("an email address")
    if reasons:
        return CommentStatus.PENDING, f"Contains {' and '.join(reasons)}: check before publishing."
    if settings.COMMENTS_HELD_FOR_MODERATION:
        return CommentStatus.PENDING, ""
    return CommentStatus.APPROVED, ""
