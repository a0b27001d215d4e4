"""Hostile input is refused: generated posts to every public form and generated
query strings and addresses, with huge strings, NUL and control characters,
every kind of Unicode, wrong types, repeated and missing fields, SQL and HTML
payloads, and forged or absent CSRF tokens.

Whatever arrives: never a 500; an invalid submission stores nothing; what is
stored (and what is shown back in a form) renders escaped, never as markup.

Hypothesis runs a fixed, derandomised set of examples per form, so CI is
stable and quick.
"""

import json
import time
import urllib.parse
from itertools import count

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bookings import services
from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours, ConsultationRequest, StatusChange
from notifications.models import Email
from tests.bookings.conftest import at, form_data, in_review, make_staff_member, open_day
from tests.factories import make_clinician, make_condition, make_treatment
from treatments.form_signing import sign_form_time
from treatments.models import Comment, HelpfulVote

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Markup that must never come back out unescaped.
SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
RAW_MARKUP = ["<script>alert(1)", "<img src=x onerror", "<svg onload"]
PAYLOADS = [
    SCRIPT,
    IMAGE,
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "'; DROP TABLE bookings_consultationrequest; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(5)--",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "%(password)s",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: admin=1",
    "\u202eevil\u202c",
    "\u200b\u200b\u200b",
    "\ufeff",
    "𝕳𝖊𝖑𝖑𝖔 🧴💉",
    "Z̷̧̛a̶l̵g̸o̴",
    "../../../../etc/passwd",
    "%00%ff",
    "0",
    "-1",
    "9" * 40,
    "1e309",
    "NaN",
    "true",
    "[]",
    '{"a": 1}',
    "null",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    " ",
    "",
    "A" * 20_000,
]
MISSING = object()

text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=80),  # any Unicode a browser can send
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Mn", "Co"]), max_size=20),  # control and invisible
    st.integers().map(str),
    st.floats().map(str),
)
value = st.one_of(text, st.lists(text, min_size=2, max_size=3))  # a list: the field sent repeatedly
extra_fields = st.dictionaries(st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=10)), text, max_size=2)
encodings = st.sampled_from(["multipart", "urlencoded", "json"])


def mutated(valid):
    """`valid` form data with each field kept, replaced, repeated or left out, and unexpected fields added."""
    fields = {name: st.one_of(st.just(good), value, st.just(MISSING)) for name, good in valid.items()}
    return st.tuples(st.fixed_dictionaries(fields), extra_fields).map(
        lambda pair: {**pair[1], **{name: v for name, v in pair[0].items() if v is not MISSING}}
    )


def send(client, path, data, encoding="multipart"):
    if encoding == "urlencoded":
        body = urllib.parse.urlencode(data, doseq=True)
        return client.post(path, body, content_type="application/x-www-form-urlencoded")
    if encoding == "json":
        return client.post(path, json.dumps(data), content_type="application/json")
    return client.post(path, data)


def assert_refused_or_handled(response):
    assert response.status_code < 500
    if "html" in response.get("Content-Type", ""):
        html = response.content.decode()
        for markup in RAW_MARKUP:
            assert markup not in html, markup


def stored():
    return (
        ConsultationRequest.objects.count(),
        StatusChange.objects.count(),
        Email.objects.count(),
        Comment.objects.count(),
        HelpfulVote.objects.count(),
    )


def assert_renders_escaped(client, *paths):
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_refused_or_handled(response)


@pytest.fixture
def site(settings, client):
    """Published pages, opening hours, and two patients' requests (one new, one
    with times offered); rate limits off so every example reaches the form."""
    settings.RATE_LIMITS_ENABLED = False
    settings.COMMENTS_HELD_FOR_MODERATION = False  # clean comments show at once: their text must show escaped
    for weekday, (opens, closes) in DEMO_HOURS.items():
        ClinicHours.objects.create(weekday=weekday, opens=opens, closes=closes)
    condition = make_condition(title="Ice pick scars", slug="ice-pick-scars")
    treatment = make_treatment(title="Microneedling", slug="microneedling", offered_here=True)
    make_treatment(title="Fractional laser", slug="fractional-laser", offered_here=True)
    clinician = make_clinician(name="Dr Imogen Sample")
    new = services.submit_request(**{**SUBMISSION, "idempotency_key": "hostile-new-0001"}).consultation
    offered = services.propose_times(
        consultation=in_review(),
        slots=[(at(open_day(weeks=2), 9), clinician), (at(open_day(weeks=2), 14), clinician)],
        by=make_staff_member(),
    )
    return {"condition": condition, "treatment": treatment, "new": new, "offered": offered}


SUBMISSION = {
    "full_name": "Alex Patient",
    "email": "alex.patient@example.com",
    "phone": "+447911123456",
    "contact_preference": "email",
    "help_with": "Ice pick scars on both cheeks.",
    "first_preferred_date": None,
    "time_of_day": "morning",
    "isotretinoin_recent": "no",
    "pregnant_or_breastfeeding": "no",
    "keloid_tendency": "not_sure",
    "active_skin_infection": "no",
    "consent": True,
}
_keys = count(1)


@pytest.fixture(autouse=True)
def preferred_date():
    SUBMISSION["first_preferred_date"] = open_day()


# --- The consultation request form ----------------------------------------------------------------


@EXAMPLES
@given(data=mutated(form_data(idempotency_key="hostile-form-key-0001")), encoding=encodings)
def test_the_consultation_form_refuses_hostile_posts(client, site, data, encoding):
    before = stored()
    response = send(client, "/consultations/request/", data, encoding)
    event(f"HTTP {response.status_code}")
    assert_refused_or_handled(response)
    if response.status_code != 302:
        assert stored() == before


@EXAMPLES
@given(full_name=text, help_with=text, phone=st.one_of(st.just("07911 123456"), text))
def test_what_a_patient_types_is_stored_as_text_and_shown_escaped(
    client, admin_client, site, full_name, help_with, phone
):
    data = form_data(idempotency_key=f"hostile-valid-{next(_keys):06d}", full_name=full_name, help_with=help_with)
    data["phone"] = phone
    before = ConsultationRequest.objects.count()
    response = client.post("/consultations/request/", data)
    assert_refused_or_handled(response)
    if ConsultationRequest.objects.count() == before:
        event("refused")
        # Refused with the reasons on the form, or the same answers sent twice: the first request's page.
        assert response.status_code == 200 or response["Location"].endswith("/thanks/")
        return
    event("stored")
    consultation = ConsultationRequest.objects.latest("pk")
    assert "\x00" not in consultation.full_name + consultation.help_with
    assert_renders_escaped(
        client,
        response["Location"],
        consultation.status_path(),
    )
    assert_renders_escaped(
        admin_client,
        reverse("admin:bookings_consultationrequest_changelist"),
        reverse("admin:bookings_consultationrequest_change", args=[consultation.pk]),
    )


# --- The patient's status page: cancel, take an offered time, ask to be contacted -----------------------


@EXAMPLES
@given(
    data=mutated({"confirm": "yes", "reason": "Feeling better.", "action": "", "proposal": "1", "note": "Call me"}),
    which=st.sampled_from(["new", "offered"]),
    encoding=encodings,
)
def test_the_status_page_refuses_hostile_posts(client, site, data, which, encoding):
    consultation = site[which]
    consultation.refresh_from_db()
    status_before, changes_before = consultation.status, consultation.status_changes.count()
    response = send(client, consultation.status_path(), data, encoding)
    assert_refused_or_handled(response)
    consultation.refresh_from_db()
    if response.status_code != 302:
        assert (consultation.status, consultation.status_changes.count()) == (status_before, changes_before)
    assert "\x00" not in "".join(consultation.status_changes.values_list("note", flat=True))


@EXAMPLES
@given(reference=text, token=text, suffix=st.sampled_from(["", "thanks/", "cancel/", "invite.ics"]))
def test_made_up_status_links_are_not_found(client, site, reference, token, suffix):
    path = f"/consultations/{urllib.parse.quote(reference, safe='')}/{urllib.parse.quote(token, safe='')}/{suffix}"
    for response in (client.get(path), client.post(path, {"confirm": "yes"})):
        assert response.status_code in (301, 302, 400, 404, 405), path
        assert_refused_or_handled(response)
    assert site["new"].status_changes.count() == 1


# --- Comments and "Was this page helpful?" ---------------------------------------------------------


def comment_form():
    return {
        "author_name": "Jo",
        "email": "jo@example.com",
        "body": "Does microneedling hurt?",
        "notify_on_reply": "on",
        "is_question": "on",
        "parent": "",
        "shown_at": sign_form_time(time.time() - 60),
        "website": "",
    }


@EXAMPLES
@given(data=mutated(comment_form()), page=st.sampled_from(["conditions/ice-pick-scars", "treatments/microneedling"]))
def test_the_comment_form_refuses_hostile_posts(client, site, data, page):
    before = stored()
    response = send(client, f"/{page}/comments/", data)
    assert_refused_or_handled(response)
    if response.status_code != 302:
        assert stored() == before
    else:
        assert Comment.objects.count() - before[3] in (0, 1)


@EXAMPLES
@given(author_name=text, body=text)
def test_what_a_commenter_types_is_shown_escaped(client, admin_client, site, author_name, body):
    data = {**comment_form(), "author_name": author_name, "body": f"{body} #{next(_keys)}"}
    before = Comment.objects.count()
    response = client.post("/treatments/microneedling/comments/", data)
    assert_refused_or_handled(response)
    if Comment.objects.count() == before:
        event("refused")
        return
    event("stored")
    comment = Comment.objects.latest("pk")
    assert "\x00" not in comment.author_name + comment.body
    assert_renders_escaped(client, "/treatments/microneedling/")
    assert_renders_escaped(
        admin_client,
        reverse("admin:treatments_comment_changelist"),
        reverse("admin:treatments_comment_change", args=[comment.pk]),
    )


@EXAMPLES
@given(data=mutated({"helpful": "no", "missing": "More on side effects."}), encoding=encodings)
def test_the_helpful_vote_refuses_hostile_posts(client, admin_client, site, data, encoding):
    before = HelpfulVote.objects.count()
    response = send(client, "/conditions/ice-pick-scars/helpful/", data, encoding)
    assert_refused_or_handled(response)
    if response.status_code != 302:
        assert HelpfulVote.objects.count() == before
    if HelpfulVote.objects.exists():
        vote = HelpfulVote.objects.latest("pk")
        assert "\x00" not in vote.missing
        assert_renders_escaped(admin_client, reverse("admin:treatments_helpfulvote_change", args=[vote.pk]))


# --- Query strings and addresses ----------------------------------------------------------------------


@EXAMPLES
@given(
    path=st.sampled_from(["/search/", "/treatments/compare/", "/treatments/", "/consultations/request/", "/"]),
    query=st.dictionaries(
        st.sampled_from(["q", "t", "condition", "treatment", "invasiveness", "max_downtime", "offered_here", "page"])
        | st.text(max_size=10),
        value,
        max_size=4,
    ),
)
def test_search_comparison_and_filters_refuse_hostile_query_strings(client, site, path, query):
    response = client.get(path, query)
    assert response.status_code in (200, 400, 404)
    assert_refused_or_handled(response)


@EXAMPLES
@given(
    slug=text, kind=st.sampled_from(["conditions", "treatments"]), tail=st.sampled_from(["", "helpful/", "comments/"])
)
def test_unknown_pages_are_not_found(client, site, slug, kind, tail):
    path = f"/{kind}/{urllib.parse.quote(slug, safe='')}/{tail}"
    before = stored()
    for response in (client.get(path), client.post(path, {"helpful": "yes", **comment_form()})):
        assert response.status_code in (200, 301, 302, 400, 404, 405), path
        assert_refused_or_handled(response)
    if slug not in ("ice-pick-scars", "microneedling", "fractional-laser"):
        assert stored() == before


# --- What no form takes at all ----------------------------------------------------------------------


FORMS = ["/consultations/request/", "/conditions/ice-pick-scars/helpful/", "/treatments/microneedling/comments/"]


@pytest.mark.parametrize("path", FORMS)
def test_bodies_too_large_or_with_too_many_fields_get_400(client, site, path):
    before = stored()
    huge = client.post(path, {"full_name": "A" * 3_000_000}, content_type="application/x-www-form-urlencoded")
    many = client.post(
        path, "&".join(f"f{n}=1" for n in range(1500)), content_type="application/x-www-form-urlencoded"
    )
    assert (huge.status_code, many.status_code) == (400, 400)
    assert stored() == before


@pytest.mark.parametrize("encoding", ["invalid utf-8", "latin-1 charset"])
def test_bytes_that_are_not_utf8_are_refused_cleanly(client, site, encoding):
    body = b"full_name=%FF%FE%00&email=%C0%AF&help_with=\xff\xfe"
    content_type = "application/x-www-form-urlencoded"
    if encoding == "latin-1 charset":
        content_type += "; charset=latin-1"
    before = stored()
    for path in [
        "/consultations/request/",
        "/treatments/microneedling/comments/",
        "/conditions/ice-pick-scars/helpful/",
    ]:
        response = client.generic("POST", path, body, content_type=content_type)
        assert response.status_code < 500
    assert stored() == before


@pytest.mark.parametrize("token", ["absent", "forged", "another visitor's"])
def test_forms_refuse_posts_without_this_visitors_csrf_token(site, token):
    other = Client(enforce_csrf_checks=True)
    other.get("/consultations/request/")
    browser = Client(enforce_csrf_checks=True)
    browser.get("/consultations/request/")
    tokens = {
        "absent": {},
        "forged": {"csrfmiddlewaretoken": "x" * 64},
        "another visitor's": {"csrfmiddlewaretoken": other.cookies["csrftoken"].value},
    }
    posts = {
        "/consultations/request/": form_data(idempotency_key="csrf-check-00001"),
        "/treatments/microneedling/comments/": comment_form(),
        "/conditions/ice-pick-scars/helpful/": {"helpful": "yes"},
        site["new"].status_path(): {"confirm": "yes"},
    }
    before = stored()
    for path, data in posts.items():
        response = browser.post(path, {**data, **tokens[token]})
        assert response.status_code == 403, path
        assert "security token" in response.content.decode().lower() or response.status_code == 403
    assert stored() == before
    site["new"].refresh_from_db()
    assert site["new"].status == "new"


def test_the_same_forms_with_this_visitors_token_are_accepted(site):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/consultations/request/")
    token = {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    response = browser.post("/conditions/ice-pick-scars/helpful/", {"helpful": "yes", **token})
    assert response.status_code == 302 and HelpfulVote.objects.count() == 1


def test_staff_pages_refuse_hostile_search_and_filters(admin_client, site):
    for name in ["admin:bookings_consultationrequest_changelist", "admin:treatments_comment_changelist"]:
        for query in [{"q": SCRIPT}, {"q": "\x00"}, {"status__exact": IMAGE}, {"o": "99.-1"}, {"p": "9" * 30}]:
            response = admin_client.get(reverse(name), query)
            assert response.status_code in (200, 302, 400), (name, query)
            assert_refused_or_handled(response)
