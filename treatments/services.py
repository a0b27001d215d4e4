"""Workflow for the treatments app. Views, admin actions and commands call these.

Each function takes keyword-only arguments and runs in one transaction.
"""

from django.db import IntegrityError, transaction

from treatments.models import Condition, HelpfulVote, Treatment

# --- Helpful votes ------------------------------------------------------------


def _page_lookup(page):
    if isinstance(page, Condition):
        return {"condition": page}
    if isinstance(page, Treatment):
        return {"treatment": page}
    raise TypeError(f"Votes belong to a condition or a treatment, not {type(page).__name__}.")


@transaction.atomic
def record_helpful_vote(*, page, visitor_key, helpful, missing=""):
    """Record a visitor's answer to "Was this page helpful?".

    A visitor has one vote per page: answering again changes that vote rather
    than counting twice, and a "what was missing" note sent after a "no" is
    added to it. Returns `(vote, created)`.
    """
    if not page.is_published:
        raise ValueError("Only published pages take votes.")
    lookup = {**_page_lookup(page), "visitor_key": visitor_key}
    missing = "" if helpful else missing.strip()
    vote = HelpfulVote.objects.select_for_update().filter(**lookup).first()
    if vote is None:
        vote = HelpfulVote(**lookup, helpful=helpful, missing=missing)
        vote.full_clean()
        try:
            with transaction.atomic():
                vote.save()
            return vote, True
        except IntegrityError:
            # The same visitor's other request saved first; change that vote instead.
            vote = HelpfulVote.objects.select_for_update().get(**lookup)
    vote.helpful = helpful
    if helpful or missing:
        vote.missing = missing
    vote.full_clean()
    vote.save(update_fields=["helpful", "missing"])
    return vote, False
