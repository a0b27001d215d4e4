"""Whole pages cached for anonymous readers (clinic/pagecache.py): served without
the database, forms on them still work for every visitor, an edit shows on the
next request, and nothing personal is ever cached or shown to someone else.

Run once with REDIS_URL set (a shared Redis) as well: the invalidation tests
then go through Redis, and one of them bumps the version from another process.
"""

import os
import re
import subprocess
import sys
import time as clock
from datetime import date, time, timedelta

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import ClinicHours, Closure, ConsultationRequest
from clinic import pagecache
from tests.bookings.conftest import form_data, open_day
from tests.conftest import staff_login
from tests.factories import (
    make_clinician,
    make_comment,
    make_condition,
    make_faq,
    make_staff_user,
    make_treatment,
)
from treatments import services
from treatments.form_signing import seconds_since_shown
from treatments.models import CommentStatus, PublicationStatus

pytestmark = pytest.mark.django_db

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    """As in production, even when the tests run with DJANGO_DEBUG=1 (which turns it off)."""
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def treatment():
    treatment = make_treatment(title="Microneedling", slug="microneedling", offered_here=True)
    make_faq(treatment, question="Does it hurt?", answer="A little.")
    return treatment


@pytest.fixture
def clinic_week():
    for weekday in range(6):
        ClinicHours.objects.create(weekday=weekday, opens=time(9), closes=time(17))


def get(path, client=None, **headers):
    """GET `path` as a new anonymous visitor (or as `client`); returns (response, SQL queries)."""
    client = client or Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, len(queries)


def hidden(html, name):
    """Every value of the hidden field `name` in `html`."""
    return re.findall(rf'name="{name}" value="([^"]*)"', html)


# --- Served from the cache ------------------------------------------------------------


def test_a_second_visitor_gets_the_page_from_the_cache_without_the_database(treatment):
    first, first_queries = get(treatment.get_absolute_url())
    second, second_queries = get(treatment.get_absolute_url())
    assert first.status_code == second.status_code == 200
    assert first_queries > 0
    assert second_queries == 0
    assert second.context is None  # nothing was rendered
    assert "Does it hurt?" in second.text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conditions/",
        "/treatments/",
        "/treatments/?offered_here=on",
        "/treatments/compare/?t=microneedling&t=laser",
        "/search/?q=needling",
        "/consultations/request/?treatment=microneedling",
    ],
)
def test_public_pages_are_served_from_the_cache_the_second_time(treatment, path):
    make_treatment(title="Laser", slug="laser")
    first, _ = get(path)
    second, queries = get(path)
    assert first.status_code == second.status_code == 200
    assert queries == 0


def test_each_visitor_gets_their_own_csrf_token_and_cookie(treatment):
    first, _ = get(treatment.get_absolute_url())
    second, _ = get(treatment.get_absolute_url())
    for response in (first, second):
        assert "csrftoken" in response.cookies
        assert hidden(response.text, "csrfmiddlewaretoken")
        assert hidden(response.text, "shown_at")
    assert hidden(first.text, "csrfmiddlewaretoken")[0] != hidden(second.text, "csrfmiddlewaretoken")[0]
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # Apart from those values, the page is the same.
    per_visitor = re.compile(r'name="(csrfmiddlewaretoken|shown_at)" value="[^"]*"')
    assert per_visitor.sub("", first.text) == per_visitor.sub("", second.text)


def test_the_comment_form_records_when_this_visitor_was_shown_it_not_when_the_page_was_stored(treatment, monkeypatch):
    first, _ = get(treatment.get_absolute_url())
    ten_minutes_later = clock.time() + 600
    monkeypatch.setattr(clock, "time", lambda: ten_minutes_later)
    second, queries = get(treatment.get_absolute_url())
    assert queries == 0  # the stored page
    assert seconds_since_shown(hidden(first.text, "shown_at")[0]) == pytest.approx(600, abs=5)
    assert seconds_since_shown(hidden(second.text, "shown_at")[0]) == pytest.approx(0, abs=1)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conditions/rolling-scars/",
        "/treatments/microneedling/",
        "/treatments/",
        "/treatments/compare/?t=microneedling&t=laser",
        "/search/?q=needling",
        "/consultations/request/",
        "/contact/",
    ],
)
def test_the_stored_page_holds_no_visitors_csrf_token_form_time_or_one_time_key(treatment, clinic_week, path):
    make_treatment(title="Laser", slug="laser")
    make_condition(title="Rolling scars", slug="rolling-scars")
    first, _ = get(path)
    assert first.status_code == 200
    _validity, _status, _headers, parts, _conditional, _digest = stored(path)
    page = b"".join(parts[0::2]).decode()  # what is stored, with the per-visitor values left out
    for name in ("csrfmiddlewaretoken", "shown_at", "idempotency_key"):
        assert set(hidden(page, name)) <= {""}, name
        for value in hidden(first.text, name):
            assert value not in page


def test_a_visitor_who_already_has_a_csrf_cookie_keeps_it(treatment):
    get(treatment.get_absolute_url())
    client = Client()
    first, _ = get(treatment.get_absolute_url(), client)
    cookie = first.cookies["csrftoken"].value
    second, queries = get(treatment.get_absolute_url(), client)
    assert queries == 0
    assert second.cookies["csrftoken"].value == cookie  # renewed, not replaced


def test_a_comment_form_taken_from_a_cached_page_by_a_fresh_client_posts_fine(treatment, settings):
    settings.COMMENT_MIN_SECONDS_TO_POST = 0
    get(treatment.get_absolute_url())  # someone else fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page, queries = get(treatment.get_absolute_url(), visitor)
    assert queries == 0
    html = page.text
    response = visitor.post(
        f"{treatment.get_absolute_url()}comments/",
        {
            "csrfmiddlewaretoken": hidden(html, "csrfmiddlewaretoken")[-1],
            "shown_at": hidden(html, "shown_at")[0],
            "author_name": "Sam",
            "email": "sam@example.com",
            "body": "How many sessions did you need?",
        },
    )
    assert response.status_code == 302
    assert treatment.page.comments.get().author_name == "Sam"


def test_a_helpful_vote_from_a_cached_page_by_a_fresh_client_counts(treatment):
    get(treatment.get_absolute_url())
    visitor = Client(enforce_csrf_checks=True)
    page, _ = get(treatment.get_absolute_url(), visitor)
    token = hidden(page.text, "csrfmiddlewaretoken")[0]
    response = visitor.post(
        f"{treatment.get_absolute_url()}helpful/", {"csrfmiddlewaretoken": token, "helpful": "yes"}
    )
    assert response.status_code == 302
    assert treatment.page.votes.count() == 1


def test_the_consultation_form_from_a_cached_page_posts_fine_with_its_own_one_time_key(treatment, clinic_week):
    get("/consultations/request/")
    first_visitor, second_visitor = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first, queries = get("/consultations/request/", first_visitor)
    second, _ = get("/consultations/request/", second_visitor)
    assert queries == 0
    keys = [hidden(page.text, "idempotency_key")[0] for page in (first, second)]
    assert keys[0] != keys[1]
    for visitor, page, key in zip((first_visitor, second_visitor), (first, second), keys, strict=True):
        data = form_data(
            idempotency_key=key,
            csrfmiddlewaretoken=hidden(page.text, "csrfmiddlewaretoken")[0],
            treatments=[treatment.pk],
            email=f"{key[:8]}@example.com",
        )
        response = visitor.post("/consultations/request/", data)
        assert response.status_code == 302 and "/thanks/" in response["Location"]
    assert ConsultationRequest.objects.count() == 2


def test_the_consultation_form_is_never_answered_304(treatment):
    get("/consultations/request/")
    response, _ = get("/consultations/request/")
    assert "ETag" not in response
    assert response["Cache-Control"] == "private, no-cache"


# --- Conditional GET ------------------------------------------------------------------------


def returning_visitor(path):
    """A client that has visited `path` once, and so has its CSRF cookie."""
    client = Client()
    get(path, client)
    return client


def test_a_first_visit_that_sets_the_csrf_cookie_has_no_etag(treatment):
    first, _ = get(treatment.get_absolute_url())
    assert "csrftoken" in first.cookies
    assert "ETag" not in first  # the cookie is made by Django on the way out: no tag can name it yet
    assert first["Cache-Control"] == "private, no-cache"


def test_an_unchanged_page_is_answered_304_not_modified(treatment):
    client = returning_visitor(treatment.get_absolute_url())
    first, _ = get(treatment.get_absolute_url(), client)
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"
    again, queries = get(treatment.get_absolute_url(), client, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert queries == 0


def test_a_changed_page_is_sent_again_with_a_new_etag(treatment):
    client = returning_visitor(treatment.get_absolute_url())
    first, _ = get(treatment.get_absolute_url(), client)
    treatment.summary = "Tiny needles prompt the skin to make collagen."
    treatment.save()
    again, _ = get(treatment.get_absolute_url(), client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Tiny needles" in again.text
    assert again["ETag"] != first["ETag"]


def test_a_page_that_an_edit_elsewhere_did_not_change_is_still_answered_304(treatment):
    client = returning_visitor(treatment.get_absolute_url())
    first, _ = get(treatment.get_absolute_url(), client)
    make_treatment(title="Chemical peel")  # bumps the content version
    again, queries = get(treatment.get_absolute_url(), client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert queries > 0  # rendered again…
    assert again.status_code == 304  # …to the same page


def test_an_etag_is_valid_only_with_the_csrf_cookie_it_was_made_for(treatment):
    first, _ = get(treatment.get_absolute_url(), returning_visitor(treatment.get_absolute_url()))
    other = returning_visitor(
        treatment.get_absolute_url()
    )  # another visitor (another CSRF cookie) sends the first one's tag
    response, _ = get(treatment.get_absolute_url(), other, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert hidden(response.text, "csrfmiddlewaretoken")


# --- Edits show on the next request ----------------------------------------------------------


def assert_fresh(path, text, *, absent=None):
    response, _ = get(path)
    assert text in response.text
    if absent:
        assert absent not in response.text


def test_an_editors_save_in_admin_shows_on_the_next_request(treatment, admin_client):
    get(treatment.get_absolute_url())
    get("/")
    reviewer = make_clinician(name="Dr Page Reviewer")
    condition = make_condition(  # a draft being published: a published page's content would wait for review
        title="Rolling scars",
        slug="rolling-scars",
        status=PublicationStatus.DRAFT,
        author=reviewer,
        medical_reviewer=reviewer,
        reviewed_on=date(2026, 10, 21),
    )
    url = f"/admin/treatments/condition/{condition.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        title="Rolling scars (updated)",
        slug="rolling-scars",
        summary="Broad, sloping dents.",
        status=PublicationStatus.PUBLISHED,
    )
    for prefix in ("faqs", "takeaways", "references", "treatment_links"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert_fresh("/conditions/", "Rolling scars (updated)")
    assert_fresh("/", "Rolling scars (updated)")


@pytest.mark.parametrize(
    "change, text",
    [
        (lambda t: make_faq(t, question="Can I wear make-up after?"), "Can I wear make-up after?"),
        (lambda t: setattr(t, "title", "Collagen induction") or t.save(), "Collagen induction"),
        (lambda t: make_clinician(name="Dr Hana Okafor"), None),
    ],
)
def test_content_saves_show_on_the_next_request(treatment, change, text):
    get(treatment.get_absolute_url())
    version = pagecache.page_cache_backend().get(pagecache.VERSION_KEY)
    change(treatment)
    assert pagecache.page_cache_backend().get(pagecache.VERSION_KEY) != version
    response, queries = get(treatment.get_absolute_url())
    assert queries > 0
    if text:
        assert text in response.text


def test_an_approved_comment_and_a_clinic_answer_show_on_the_next_request(treatment, admin_user):
    comment = make_comment(treatment, status=CommentStatus.PENDING, body="Is it safe for dark skin?")
    get(treatment.get_absolute_url())
    services.approve_comment(comment=comment, by=admin_user)
    assert_fresh(treatment.get_absolute_url(), "Is it safe for dark skin?")
    services.answer_comment(
        comment=comment,
        clinician=make_clinician(name="Dr Ada Obi", user=admin_user),
        body="Yes, with care.",
        by=admin_user,
    )
    assert_fresh(treatment.get_absolute_url(), "Yes, with care.")
    services.reject_comment(comment=comment, by=admin_user)
    assert_fresh(treatment.get_absolute_url(), "Comments and questions", absent="Is it safe for dark skin?")


def test_a_comment_held_for_moderation_does_not_empty_the_cache(treatment, settings):
    settings.COMMENT_MIN_SECONDS_TO_POST = 0
    page, _ = get(treatment.get_absolute_url())
    version = pagecache.page_cache_backend().get(pagecache.VERSION_KEY)
    services.post_comment(page=treatment, author_name="Kim", email="kim@example.com", body="Held for a moderator.")
    assert pagecache.page_cache_backend().get(pagecache.VERSION_KEY) == version
    _response, queries = get(treatment.get_absolute_url())
    assert queries == 0


def test_opening_hours_and_closures_show_on_the_next_request(treatment, clinic_week):
    get("/")
    get("/consultations/request/")
    hours = ClinicHours.objects.get(weekday=0)
    hours.opens = time(7, 45)
    hours.save()
    assert_fresh("/", "07:45")
    Closure.objects.create(date=open_day(), reason="Staff training")
    assert_fresh("/consultations/request/", "Staff training")


def test_pages_stored_under_an_earlier_day_are_not_served(treatment, monkeypatch):
    get(treatment.get_absolute_url())
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(pagecache.timezone, "localdate", lambda: tomorrow)
    _response, queries = get(treatment.get_absolute_url())
    assert queries > 0


@pytest.mark.multiprocess
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a shared cache: run with REDIS_URL")
def test_a_change_made_by_another_process_shows_here_on_the_next_request(treatment):
    """The version lives in Redis: another process (an admin server, a command) bumping
    it makes this process render the page again."""
    get(treatment.get_absolute_url())
    _response, queries = get(treatment.get_absolute_url())
    assert queries == 0
    script = "import django; django.setup()\nfrom clinic.pagecache import bump_content_version\nbump_content_version()"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings"}
    subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, check=True, timeout=60)
    _response, queries = get(treatment.get_absolute_url())
    assert queries > 0


# --- Never cached, never shown to others ---------------------------------------------------


def test_an_editors_draft_preview_is_never_cached_or_shown_to_others(treatment):
    draft = make_treatment(title="Secret laser", slug="secret-laser", status=PublicationStatus.DRAFT)
    editor = staff_login(Client(), make_staff_user("treatments.view_treatment", "treatments.change_treatment"))
    for _ in range(2):
        preview, queries = get(draft.get_absolute_url(), editor)
        assert preview.status_code == 200 and "Secret laser" in preview.text
        assert queries > 0
        assert "no-store" in preview["Cache-Control"]
    assert get(draft.get_absolute_url())[0].status_code == 404


def test_signed_in_staff_always_get_a_freshly_rendered_page_that_is_never_stored(treatment):
    anonymous, _ = get(treatment.get_absolute_url(), returning_visitor(treatment.get_absolute_url()))
    editor = staff_login(Client(), make_staff_user("treatments.view_treatment", "treatments.change_treatment"))
    for _ in range(2):
        page, queries = get(treatment.get_absolute_url(), editor)
        assert page.status_code == 200 and queries > 0
        assert "ETag" not in page
    again, queries = get(treatment.get_absolute_url(), returning_visitor(treatment.get_absolute_url()))
    assert queries == 0
    assert again["ETag"] != anonymous["ETag"]  # another visitor, another CSRF cookie…
    per_visitor = re.compile(r'name="(csrfmiddlewaretoken|shown_at)" value="[^"]*"')
    assert per_visitor.sub("", again.text) == per_visitor.sub("", anonymous.text)  # …but the anonymous page


def test_a_just_posted_comments_confirmation_is_never_cached_or_shown_to_others(treatment, settings):
    settings.COMMENT_MIN_SECONDS_TO_POST = 0
    get(treatment.get_absolute_url())
    patient = Client()
    page, _ = get(treatment.get_absolute_url(), patient)
    patient.post(
        f"{treatment.get_absolute_url()}comments/",
        {
            "shown_at": hidden(page.text, "shown_at")[0],
            "author_name": "Sam",
            "email": "sam@example.com",
            "body": "Does it work on old scars?",
        },
    )
    confirmation, queries = get(treatment.get_absolute_url(), patient)
    assert "once a moderator approves it" in confirmation.text
    assert queries > 0  # rendered for this patient, with the messages cookie
    other, _ = get(treatment.get_absolute_url())
    assert "once a moderator approves it" not in other.text
    later, _ = get(treatment.get_absolute_url(), patient)  # the message was shown once
    assert "once a moderator approves it" not in later.text


def test_the_private_status_page_is_never_cached(treatment, clinic_week):
    Client().post("/consultations/request/", form_data(treatments=[treatment.pk]))
    status_path = ConsultationRequest.objects.get().status_path()
    for _ in range(2):
        response, queries = get(status_path)
        assert response.status_code == 200
        assert queries > 0
        assert response["Cache-Control"] == "no-store"


def test_not_found_and_posts_are_never_cached(treatment):
    for _ in range(2):
        response, queries = get("/treatments/no-such-treatment/")
        assert response.status_code == 404 and queries > 0
    assert stored("/treatments/no-such-treatment/") is None
    Client().post(treatment.get_absolute_url())
    assert stored(treatment.get_absolute_url()) is None
    get(treatment.get_absolute_url())
    assert stored(treatment.get_absolute_url()) is not None


def stored(path):
    return pagecache.page_cache_backend().get(pagecache.cache_key(f"http://testserver{path}"))


# --- What may be stored ------------------------------------------------------------------------


def run_middleware(view, request):
    return pagecache.PageCacheMiddleware(view)(request)


def test_a_response_that_sets_a_session_or_a_cookie_is_not_stored(rf, treatment):
    from django.contrib.sessions.backends.cache import SessionStore
    from django.http import HttpResponse

    calls = []

    @pagecache.page_cache
    def sets_a_session(request):
        calls.append(1)
        request.session["seen"] = True
        return HttpResponse("hello")

    @pagecache.page_cache
    def sets_a_cookie(request):
        calls.append(1)
        response = HttpResponse("hello")
        response.set_cookie("flavour", "oat")
        return response

    for view, path in ((sets_a_session, "/session/"), (sets_a_cookie, "/cookie/")):
        for _ in range(2):
            request = rf.get(path)
            request.session = SessionStore()
            run_middleware(view, request)
    assert len(calls) == 4


def test_a_request_with_a_session_cookie_is_neither_served_from_nor_stored_in_the_cache(treatment, admin_user):
    get(treatment.get_absolute_url())
    client = Client()
    client.cookies["sessionid"] = "not-a-real-session"
    _response, queries = get(treatment.get_absolute_url(), client)
    assert queries > 0


# --- When the cache is down --------------------------------------------------------------------


class UnreachableCache(BaseCache):
    """A cache whose server is gone: every call raises, as Django's Redis cache does."""

    def __init__(self, *args, **kwargs):
        super().__init__({})

    def _fail(self, *args, **kwargs):
        raise ConnectionError("Connection refused")

    get = get_many = set = add = incr = delete = clear = _fail


def test_pages_render_and_edits_save_when_the_page_cache_is_unreachable(treatment, settings, caplog):
    settings.CACHES = {**settings.CACHES, "unreachable": {"BACKEND": "tests.test_pagecache.UnreachableCache"}}
    settings.PAGE_CACHE_ALIAS = "unreachable"
    for _ in range(2):
        response, queries = get(treatment.get_absolute_url())
        assert response.status_code == 200 and queries > 0
        assert "Does it hurt?" in response.text
    treatment.title = "Skin needling"
    treatment.save()
    assert_fresh(treatment.get_absolute_url(), "Skin needling")
    assert "Page cache unavailable" in caplog.text or pagecache._last_outage_log


def test_pages_render_with_a_plain_redis_cache_that_nothing_listens_to(treatment, settings):
    settings.CACHES = {
        **settings.CACHES,
        "gone": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        },
    }
    settings.PAGE_CACHE_ALIAS = "gone"
    response, _ = get(treatment.get_absolute_url())
    assert response.status_code == 200
