"""The patient's private pages: thanks, status, cancel, behind the reference and token."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import ConsultationRequest, Status
from tests.bookings.conftest import confirm, form_data, make_clinician, make_treatment, move, slot, submit

pytestmark = pytest.mark.django_db


def status_url(request, token=None, reference=None):
    return reverse(
        "bookings:status", kwargs={"reference": reference or request.reference, "token": token or request.token}
    )


def cancel(client, request, **data):
    return client.post(status_url(request), {"confirm": "yes", **data})


def assert_private(response):
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex' in response.content.decode()


def test_the_status_page_lives_at_the_public_url():
    request = submit()
    assert status_url(request) == f"/consultations/{request.reference}/{request.token}/"
    assert request.invite_path() == f"/consultations/{request.reference}/{request.token}/invite.ics"


def test_after_sending_the_form_the_thanks_page_shows_the_reference_and_the_status_link(client):
    response = client.post(reverse("bookings:request"), form_data(), follow=True)
    stored = ConsultationRequest.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert stored.reference in html
    assert stored.status_url() in html
    assert f'href="{stored.status_path()}"' in html
    assert "What happens next" in html
    assert_private(response)
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_status_page_says_in_plain_words_where_a_new_request_stands_and_what_was_asked(client):
    treatment = make_treatment(title="Microneedling")
    request = submit(treatments=[treatment], help_with="Scars on my cheeks", time_of_day="afternoon")
    response = client.get(status_url(request))
    html = response.content.decode()
    assert response.status_code == 200
    assert "We have your request" in html
    assert request.reference in html
    assert "Microneedling" in html
    assert "Scars on my cheeks" in html
    assert "Afternoon" in html
    assert request.first_preferred_date.strftime("%B %Y") in html


def test_the_status_page_is_private_uncached_unindexed_and_leaks_no_referrer(client):
    response = client.get(status_url(submit()))
    assert_private(response)
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_status_page_never_shows_the_screening_answers(client):
    request = submit(isotretinoin_recent="yes", pregnant_or_breastfeeding="yes", keloid_tendency="yes")
    html = client.get(status_url(request)).content.decode().lower()
    for word in ["isotretinoin", "pregnan", "keloid", "skin infection"]:
        assert word not in html


def test_a_confirmed_request_shows_date_time_in_the_clinic_time_zone_clinician_and_address(client, settings):
    clinician = make_clinician(name="Dr Imogen Sample", credentials="MBBS, MD (Dermatology)")
    start = slot(days_ahead=10, hour=9, minute=30)
    request = confirm(submit(), start=start, clinician=clinician)
    html = client.get(status_url(request)).content.decode()
    local = timezone.localtime(start)
    assert "Your consultation is booked" in html
    assert local.strftime("%A") in html and local.strftime("%B %Y") in html
    assert "09:30–10:00" in html
    assert "Dr Imogen Sample, MBBS, MD (Dermatology)" in html
    assert settings.CLINIC_ADDRESS in html
    assert f'href="{request.invite_path()}"' in html


def test_times_are_shown_in_the_clinic_time_zone_not_utc(client, settings):
    settings.TIME_ZONE = "Europe/London"
    request = confirm(submit(), start=slot(days_ahead=10, hour=16))
    # Stored in UTC, shown as the clinic's wall-clock time.
    assert "16:00–16:30" in client.get(status_url(request)).content.decode()


@pytest.mark.parametrize(
    "status, words",
    [
        (Status.IN_REVIEW, "Our team is looking at your request"),
        (Status.TIME_PROPOSED, "suggested some times"),
        (Status.COMPLETED, "has taken place"),
        (Status.NO_SHOW, "We missed you"),
        (Status.DECLINED, "cannot offer you this consultation"),
        (Status.CANCELLED, "This request is cancelled"),
    ],
)
def test_every_status_is_explained_in_plain_words(client, status, words):
    request = submit()
    paths = {
        Status.IN_REVIEW: [Status.IN_REVIEW],
        Status.TIME_PROPOSED: [Status.IN_REVIEW, Status.TIME_PROPOSED],
        Status.COMPLETED: [Status.IN_REVIEW, Status.CONFIRMED, Status.COMPLETED],
        Status.NO_SHOW: [Status.IN_REVIEW, Status.CONFIRMED, Status.NO_SHOW],
        Status.DECLINED: [Status.DECLINED],
        Status.CANCELLED: [Status.CANCELLED],
    }
    request = move(request, *paths[status], confirmed_start=slot(), clinician=make_clinician())
    html = client.get(status_url(request)).content.decode()
    assert words in html
    if status == Status.DECLINED:
        assert "We do not offer this treatment for your skin type." in html


def test_a_wrong_token_a_wrong_reference_and_a_missing_request_all_get_the_same_404(client):
    request, other = submit(), submit()
    wrong = [
        status_url(request, token=other.token),
        status_url(request, token=request.token[:-1] + ("A" if request.token[-1] != "A" else "B")),
        status_url(request, reference="CR-ZZZZZZ"),
        status_url(request, reference=other.reference),
        f"/consultations/{request.reference}/{request.token}x/",
        f"/consultations/{request.reference}/{'t' * 500}/",
        f"/consultations/{'R' * 300}/{request.token}/",
        f"/consultations/{request.reference}/t%C3%B6ken%00/",
        f"/consultations/CR-%00{request.reference[4:]}/{request.token}/",
        f"/consultations/CR-%C3%96%C3%96%C3%96/{request.token}/",
        f"/consultations/{request.reference}/{request.token}/invite.ics".replace(request.token, other.token),
    ]
    responses = [client.get(url) for url in wrong]
    assert {r.status_code for r in responses} == {404}
    bodies = {r.content for r in responses}
    assert len(bodies) == 1
    assert request.reference.encode() not in bodies.pop()


def test_a_reference_is_found_whatever_its_letter_case(client):
    request = submit()
    assert client.get(status_url(request, reference=request.reference.lower())).status_code == 200


def test_a_wrong_token_cannot_cancel(client):
    request, other = submit(), submit()
    response = client.post(status_url(request, token=other.token), {"confirm": "yes"})
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == Status.NEW


def test_tokens_are_compared_in_constant_time(monkeypatch):
    import hmac

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    request = submit()
    assert request.token_matches(request.token) is True
    assert request.token_matches("wrong") is False
    assert request.token_matches("nön-ascii") is False
    assert len(calls) == 3


def test_the_invite_is_only_there_once_the_consultation_is_confirmed(client):
    request = submit()
    assert client.get(request.invite_path()).status_code == 404
    assert "invite.ics" not in client.get(status_url(request)).content.decode()
    request = confirm(request)
    response = client.get(request.invite_path())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="invite.ics"'
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


# --- Cancelling ---------------------------------------------------------------------------


def test_the_status_page_offers_a_cancel_link_to_a_confirmation_step(client):
    request = submit()
    html = client.get(status_url(request)).content.decode()
    confirmation = reverse("bookings:cancel", kwargs={"reference": request.reference, "token": request.token})
    assert f'href="{confirmation}"' in html
    page = client.get(confirmation)
    assert page.status_code == 200
    page_html = page.content.decode()
    assert f'action="{status_url(request)}"' in page_html
    assert 'name="confirm" value="yes"' in page_html
    assert "csrfmiddlewaretoken" in page_html
    assert_private(page)


def test_the_confirmation_page_lets_the_browser_send_its_origin_with_the_post(client):
    # Under "no-referrer" a browser posts `Origin: null`, which Django's CSRF check refuses.
    request = submit()
    page = client.get(reverse("bookings:cancel", kwargs={"reference": request.reference, "token": request.token}))
    assert page["Referrer-Policy"] == "same-origin"
    assert 'content="no-referrer"' not in page.content.decode()


def test_the_patient_cancels_with_a_post_and_sees_it_confirmed(client, mailoutbox, django_capture_on_commit_callbacks):
    request = submit()
    with django_capture_on_commit_callbacks(execute=True):
        response = cancel(client, request, reason="Feeling better")
    assert response.status_code == 302
    assert response["Location"] == status_url(request)
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    change = request.status_changes.last()
    assert (change.by, change.note) == (None, "Feeling better")
    page = client.get(status_url(request))
    assert "Your request is cancelled" in page.content.decode()
    assert len(mailoutbox) == 2


def test_a_post_that_skips_the_confirmation_step_only_shows_it(client):
    request = submit()
    response = client.post(status_url(request), {})
    assert response.status_code == 200
    assert "Cancel your consultation request?" in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    request.refresh_from_db()
    assert request.status == Status.NEW


@pytest.mark.parametrize("reason", ["x" * 501, "bad\x00reason"])
def test_a_bad_cancellation_reason_is_refused_beside_the_field(client, reason):
    request = submit()
    response = cancel(client, request, reason=reason)
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert 'href="#id_reason"' in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.NEW


@pytest.mark.parametrize(
    "path, message",
    [
        ([Status.CANCELLED], "This request is already cancelled."),
        ([Status.DECLINED], "This request was declined"),
        ([Status.IN_REVIEW, Status.CONFIRMED, Status.COMPLETED], "already taken place"),
    ],
)
def test_cancelling_a_closed_request_says_why_and_changes_nothing(client, path, message):
    request = move(submit(), *path, confirmed_start=slot(), clinician=make_clinician())
    before = (request.status, request.status_changes.count(), request.updated_at)
    response = cancel(client, request, reason="again")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert message in page.content.decode()
    request.refresh_from_db()
    assert (request.status, request.status_changes.count(), request.updated_at) == before


def test_a_closed_request_offers_no_cancel_button(client):
    request = move(submit(), Status.CANCELLED)
    assert "Cancel my request" not in client.get(status_url(request)).content.decode()
    confirmation = client.get(
        reverse("bookings:cancel", kwargs={"reference": request.reference, "token": request.token})
    )
    assert "already cancelled" in confirmation.content.decode()
    assert 'name="confirm"' not in confirmation.content.decode()


def test_a_consultation_within_24_hours_must_be_cancelled_by_phone(client, settings):
    request = confirm(submit(), start=timezone.now() + timedelta(hours=20))
    html = client.get(status_url(request)).content.decode()
    assert "Cancel my" not in html
    assert settings.CLINIC_PHONE in html
    response = cancel(client, request)
    assert "less than 24 hours away" in client.get(response["Location"]).content.decode()
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED


def test_a_cancel_without_csrf_is_refused():
    request = submit()
    response = Client(enforce_csrf_checks=True).post(status_url(request), {"confirm": "yes"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == Status.NEW


def test_the_status_page_makes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    treatments = [make_treatment() for _ in range(6)]
    request = confirm(submit(treatments=treatments))
    client.get(status_url(request))  # warm the opening-hours cache
    with django_assert_max_num_queries(4):
        client.get(status_url(request))


def test_a_confirmed_patient_cancels_an_appointment_and_a_waiting_one_a_request(client):
    waiting = submit()
    assert "Cancel my request" in client.get(status_url(waiting)).content.decode()
    confirmed = confirm(submit(), start=timezone.now() + timedelta(days=3))
    html = client.get(status_url(confirmed)).content.decode()
    assert "Cancel my appointment" in html and "Cancel my request" not in html
    page = client.get(reverse("bookings:cancel", kwargs={"reference": confirmed.reference, "token": confirmed.token}))
    assert "Cancel your appointment?" in page.content.decode()
    assert "Yes, cancel my appointment" in page.content.decode()
    response = client.post(status_url(confirmed), {"confirm": "yes"}, follow=True)
    assert "Your appointment is cancelled." in response.content.decode()
