"""Pages cost a fixed number of SQL queries, whatever the amount of content or
comments: at most 6 when rendered, none when served from the page cache.

Each test renders the page with little and with a lot of content and asserts
equal counts; the opening hours (cached once per process) are warmed first.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Closure
from tests.conftest import staff_login
from tests.factories import (
    make_clinician,
    make_comment,
    make_condition,
    make_faq,
    make_link,
    make_reference,
    make_staff_user,
    make_takeaway,
    make_treatment,
)
from treatments.models import CommentStatus

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

# The page with its byline; its FAQs, takeaways and references (one UNION ALL); its treatment or condition links.
CONTENT_BUDGET = 3
# The whole condition or treatment page rendered, including the comments section (two queries).
PAGE_BUDGET = 6
# The same page served from the page cache.
CACHED_BUDGET = 0


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    """As in production, even when the tests run with DJANGO_DEBUG=1 (which turns it off)."""
    settings.PAGE_CACHE_SECONDS = 60


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in context.captured_queries]


@pytest.fixture
def rendered(settings):
    """SQL of rendering `url` (the page cache off, site-wide caches warm)."""

    def render(url):
        settings.PAGE_CACHE_SECONDS = 0
        client = Client()
        client.get(url)
        try:
            return queries(client, url)
        finally:
            settings.PAGE_CACHE_SECONDS = 60

    return render


def cached(url):
    """SQL of serving `url` to a new anonymous visitor once another has seen it."""
    Client().get(url)
    return queries(Client(), url)


def content_queries(sql):
    return [statement for statement in sql if "treatments_comment" not in statement]


def grow(page, n, *, link_to=None):
    for _ in range(n):
        make_faq(page)
        make_takeaway(page)
        make_reference(page)
        if link_to is not None:
            link_to(page)


def add_comments(page, threads, *, replies_each=1):
    clinician = make_clinician()
    for _ in range(threads):
        comment = make_comment(page)
        for n in range(replies_each):
            make_comment(page, parent=comment, clinician=clinician if n == 0 else None)
        make_comment(page, status=CommentStatus.PENDING)


def test_condition_page_queries_do_not_grow_with_treatments_faqs_references_or_comments(rendered):
    condition = make_condition()
    grow(condition, 1, link_to=lambda c: make_link(c, make_treatment(sessions_min=1, weeks_between_sessions=2)))
    add_comments(condition, 1)
    small = rendered(condition.get_absolute_url())
    grow(condition, 29, link_to=lambda c: make_link(c, make_treatment(sessions_min=1, weeks_between_sessions=2)))
    add_comments(condition, 80, replies_each=2)
    large = rendered(condition.get_absolute_url())
    assert len(large) == len(small) <= PAGE_BUDGET
    assert len(content_queries(large)) <= CONTENT_BUDGET
    assert len(cached(condition.get_absolute_url())) == CACHED_BUDGET


def test_treatment_page_queries_do_not_grow_with_conditions_faqs_references_or_comments(rendered):
    treatment = make_treatment()
    grow(treatment, 1, link_to=lambda t: make_link(make_condition(), t))
    add_comments(treatment, 1)
    small = rendered(treatment.get_absolute_url())
    grow(treatment, 29, link_to=lambda t: make_link(make_condition(), t))
    add_comments(treatment, 80, replies_each=2)
    large = rendered(treatment.get_absolute_url())
    assert len(large) == len(small) <= PAGE_BUDGET
    assert len(content_queries(large)) <= CONTENT_BUDGET
    assert len(cached(treatment.get_absolute_url())) == CACHED_BUDGET


def test_a_later_page_of_comments_and_a_reply_form_cost_the_same(rendered):
    treatment = make_treatment()
    add_comments(treatment, 120)
    first = rendered(treatment.get_absolute_url())
    later = rendered(f"{treatment.get_absolute_url()}?comments_page=3")
    reply = rendered(f"{treatment.get_absolute_url()}?reply_to={treatment.page.comments.first().pk}")
    assert len(first) == len(later) == len(reply) <= PAGE_BUDGET


def test_comparison_queries_do_not_grow_with_the_number_of_treatments(rendered):
    a, b = make_treatment(), make_treatment()
    url = f"/treatments/compare/?t={a.slug}&t={b.slug}"
    small = rendered(url)
    extra = [make_treatment() for _ in range(30)]
    large_url = f"{url}&t={extra[0].slug}&t={extra[1].slug}"
    large = rendered(large_url)
    assert len(large) == len(small) <= 2
    assert len(cached(large_url)) == CACHED_BUDGET


def test_lists_home_and_search_do_not_grow_with_content(rendered):
    condition = make_condition(title="Acne scars")
    make_link(condition, make_treatment(offered_here=True, title="Acne laser"))
    urls = ("/", "/conditions/", "/treatments/", "/treatments/?offered_here=on", "/search/?q=acne")
    before = {url: len(rendered(url)) for url in urls}
    for n in range(20):
        make_link(make_condition(title=f"Acne {n}"), make_treatment(offered_here=True, title=f"Acne treatment {n}"))
        make_clinician()
    after = {url: len(rendered(url)) for url in urls}
    assert after == before
    assert max(after.values()) <= PAGE_BUDGET
    for url in urls:
        assert len(cached(url)) == CACHED_BUDGET, url


def test_the_consultation_form_does_not_grow_with_treatments_or_closures(rendered):
    make_treatment(offered_here=True, slug="microneedling")
    urls = ("/consultations/request/", "/consultations/request/?treatment=microneedling")
    before = {url: len(rendered(url)) for url in urls}
    today = timezone.localdate()
    for n in range(20):
        make_treatment(offered_here=True)
        Closure.objects.create(date=today + timedelta(days=n + 2), reason=f"Closed {n}")
    after = {url: len(rendered(url)) for url in urls}
    assert after == before
    assert max(after.values()) <= PAGE_BUDGET
    for url in urls:
        assert len(cached(url)) == CACHED_BUDGET, url


def test_the_comment_moderation_list_does_not_grow_with_comments():
    editor = staff_login(Client(), make_staff_user("treatments.view_comment", "treatments.change_comment"))
    treatment, condition = make_treatment(), make_condition()

    def changelist():
        editor.get("/admin/treatments/comment/")
        return queries(editor, "/admin/treatments/comment/")

    add_comments(treatment, 1)
    small = changelist()
    add_comments(treatment, 30, replies_each=2)
    add_comments(condition, 30, replies_each=2)
    large = changelist()
    assert len(large) == len(small)


def test_a_clinicians_profile_does_not_grow_with_their_pages_or_answers(rendered):
    clinician = make_clinician(name="Dr Budget")
    url = clinician.get_absolute_url()

    def write_and_answer(n):
        for _ in range(n):
            page = make_treatment(author=clinician)
            make_condition(medical_reviewer=clinician)
            make_comment(page, parent=make_comment(page, is_question=True), clinician=clinician)

    write_and_answer(1)
    small = rendered(url)
    write_and_answer(25)
    large = rendered(url)
    assert len(large) == len(small) <= 4
    assert len(rendered("/clinicians/")) == 1
    assert len(cached(url)) == CACHED_BUDGET
