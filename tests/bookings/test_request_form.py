"""The consultation request form at /consultations/request/, through the client."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.models import Closure, ConsultationRequest, Status, StatusChange, Weekday, is_idempotency_key
from tests.bookings.conftest import form_data, make_condition, make_treatment, next_weekday, open_day

URL = "/consultations/request/"

pytestmark = pytest.mark.django_db


def post(client, **overrides):
    return client.post(reverse("bookings:request"), form_data(**overrides))


def assert_refused(response, field, message):
    """HTTP 200, the message beside the field and in the summary linking to it, nothing saved."""
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field]), form.errors
    html = response.content.decode()
    assert 'class="error-summary' in html
    assert f'href="#id_{field}' in html or f'href="#div_id_{field}"' in html
    assert f'id="id_{field}_error"' in html or f"error_1_id_{field}" in html
    assert ConsultationRequest.objects.count() == 0
    assert StatusChange.objects.count() == 0


def test_the_form_lives_at_the_public_url():
    assert reverse("bookings:request") == URL


def test_the_form_offers_bookable_treatments_as_checkboxes(client):
    bookable = make_treatment(title="Microneedling")
    make_treatment(title="Not offered here", offered_here=False)
    make_treatment(title="A draft treatment", status="draft")
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'type="checkbox" class="form-check-input"  name="treatments" value="{bookable.pk}"' in html
    assert "Microneedling" in html
    assert "Not offered here" not in html
    assert "A draft treatment" not in html


def test_a_treatment_in_the_query_string_is_preselected_and_remembered_as_the_source(client):
    treatment = make_treatment(slug="microneedling")
    make_treatment(slug="fractional-laser")
    response = client.get(URL, {"treatment": "microneedling"})
    form = response.context["form"]
    assert form.initial["treatments"] == [treatment.pk]
    assert 'name="source_treatment" value="microneedling"' in response.content.decode()


@pytest.mark.parametrize("slug", ["no-such-treatment", "", "x" * 300, "bad slug!", "micro\x00needling"])
def test_an_unknown_or_malformed_treatment_slug_is_ignored(client, slug):
    make_treatment(slug="microneedling")
    response = client.get(URL, {"treatment": slug})
    assert response.status_code == 200
    assert "treatments" not in response.context["form"].initial
    assert 'name="source_treatment" value=' not in response.content.decode()


def test_the_request_records_the_condition_page_the_patient_came_from(client, treatment):
    condition = make_condition(slug="ice-pick-scars")
    page = client.get(URL, {"condition": "ice-pick-scars"})
    assert 'name="source_condition" value="ice-pick-scars"' in page.content.decode()
    response = post(client, source_condition="ice-pick-scars")
    assert response.status_code == 302
    assert ConsultationRequest.objects.get().source_page == condition.page


def test_the_request_records_the_treatment_page_the_patient_came_from(client, treatment):
    post(client, treatments=[treatment.pk], source_treatment="microneedling")
    assert ConsultationRequest.objects.get().source_page == treatment.page


def test_a_patient_who_came_from_both_a_condition_and_a_treatment_is_recorded_on_the_treatments_page(
    client, treatment
):
    make_condition(slug="ice-pick-scars")
    post(client, treatments=[treatment.pk], source_condition="ice-pick-scars", source_treatment="microneedling")
    assert ConsultationRequest.objects.get().source_page == treatment.page


@pytest.mark.parametrize("slug", ["no-such-page", "bad slug", "a\x00b", "x" * 500])
def test_a_forged_source_page_is_dropped_without_bothering_the_patient(client, slug):
    response = post(client, source_condition=slug, source_treatment=slug)
    assert response.status_code == 302
    stored = ConsultationRequest.objects.get()
    assert stored.source_page is None


def test_the_page_shows_opening_hours_closures_and_what_happens_next(client):
    closed_on = next_weekday(Weekday.WEDNESDAY)
    Closure.objects.create(date=closed_on, reason="Staff training day")
    html = client.get(URL).content.decode()
    assert "Opening hours" in html
    assert "09:00–18:00" in html
    assert "Staff training day" in html
    assert "What happens next" in html


def test_the_form_is_accessible_without_javascript(client):
    html = client.get(URL).content.decode()
    assert 'method="post"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'autocomplete="name"' in html
    assert 'autocomplete="email"' in html
    assert 'type="tel"' in html and 'autocomplete="tel"' in html
    assert 'for="id_full_name"' in html
    assert html.count("<legend") >= 8  # each section and each radio group has one
    assert 'href="/privacy/"' in html
    assert "<script>" not in html and " onclick=" not in html and " onsubmit=" not in html


def test_a_valid_request_is_stored_as_new_and_the_patient_is_sent_to_the_thanks_page(client, treatment):
    response = post(client, treatments=[treatment.pk])
    stored = ConsultationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == stored.thanks_path()
    assert stored.status == Status.NEW
    assert list(stored.treatments.all()) == [treatment]
    assert stored.phone == "+447911123456"
    assert stored.status_changes.get().to_status == Status.NEW


def test_consent_is_stored_with_its_time_and_the_privacy_notice_version(client, settings):
    before = timezone.now()
    post(client)
    stored = ConsultationRequest.objects.get()
    assert before <= stored.consent_given_at <= timezone.now()
    assert stored.privacy_notice_version == settings.PRIVACY_NOTICE_VERSION


def test_screening_answers_are_stored(client):
    post(client, isotretinoin_recent="yes", pregnant_or_breastfeeding="not_sure")
    stored = ConsultationRequest.objects.get()
    assert stored.isotretinoin_recent == "yes"
    assert stored.pregnant_or_breastfeeding == "not_sure"
    assert stored.keloid_tendency == "not_sure"


@pytest.mark.parametrize(
    "field, message",
    [
        ("full_name", "Enter your full name."),
        ("email", "Enter your email address."),
        ("phone", "Enter a phone number"),
        ("contact_preference", "Choose how we should contact you."),
        ("first_preferred_date", "Choose the date you would most like to come in."),
        ("time_of_day", "Choose a time of day"),
        ("isotretinoin_recent", "isotretinoin"),
        ("pregnant_or_breastfeeding", "pregnant or breastfeeding"),
        ("keloid_tendency", "keloid"),
        ("active_skin_infection", "skin infection"),
        ("consent", "Please agree"),
    ],
)
def test_each_required_answer_missing_is_refused_beside_its_field(client, field, message):
    assert_refused(post(client, **{field: None}), field, message)


@pytest.mark.parametrize("field", ["full_name", "email", "phone"])
def test_blank_answers_count_as_missing(client, field):
    response = post(client, **{field: "   \t  "})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert ConsultationRequest.objects.count() == 0


def test_neither_a_treatment_nor_a_description_is_refused(client, treatment):
    assert_refused(post(client, help_with="  "), "treatments", "Choose at least one treatment")


def test_without_bookable_treatments_the_form_asks_what_the_patient_needs(client):
    page = client.get(URL)
    assert 'name="treatments"' not in page.content.decode()
    assert_refused(post(client, help_with=""), "help_with", "Tell us what you would like help with.")
    assert post(client, help_with="Acne scars").status_code == 302


def test_a_treatment_alone_or_a_description_alone_is_enough(client, treatment):
    assert post(client, help_with="", treatments=[treatment.pk]).status_code == 302
    assert post(client, help_with="Rolling scars").status_code == 302
    assert ConsultationRequest.objects.count() == 2


@pytest.mark.parametrize("value", ["999999", "not-a-number", "1; DROP TABLE", "1\x00"])
def test_a_treatment_that_is_not_on_offer_is_refused(client, treatment, value):
    response = post(client, treatments=[value])
    assert response.status_code == 200
    assert "treatments" in response.context["form"].errors
    assert ConsultationRequest.objects.count() == 0


def test_a_treatment_no_longer_offered_is_refused(client, treatment):
    withdrawn = make_treatment(offered_here=False)
    assert_refused(post(client, treatments=[withdrawn.pk]), "treatments", "Select a valid choice")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("full_name", "A" * 151, "at most 150 characters"),
        ("email", "a" * 250 + "@example.com", "at most 254 characters"),
        ("phone", "0" * 31, "at most 30 characters"),
        ("help_with", "x" * 2001, "at most 2000 characters"),
    ],
)
def test_answers_over_the_length_limits_are_refused(client, field, value, message):
    assert_refused(post(client, **{field: value}), field, message)


@pytest.mark.parametrize("email", ["not-an-email", "alex@", "@example.com", "alex@exa mple.com", "a@b@c.com"])
def test_a_malformed_email_address_is_refused(client, email):
    assert_refused(post(client, email=email), "email", "Enter an email address in the right form")


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("07911 123456", "+447911123456"),
        ("07911123456", "+447911123456"),
        ("+44 7911 123456", "+447911123456"),
        ("0044 7911 123456", "+447911123456"),
        ("020 7946 0321", "+442079460321"),
        ("+44 (0)20 7946 0321", "+442079460321"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_phone_numbers_are_stored_in_international_form(client, typed, stored):
    assert post(client, phone=typed).status_code == 302
    assert ConsultationRequest.objects.get().phone == stored


@pytest.mark.parametrize("phone", ["12345", "abc", "+", "0000 000000", "07911 12345", "+999 123 456"])
def test_a_phone_number_that_cannot_be_called_is_refused(client, phone):
    assert_refused(post(client, phone=phone), "phone", "Enter a phone number we can call")


def test_a_phone_number_with_an_extension_is_refused(client):
    assert_refused(post(client, phone="020 7946 0321 ext. 12"), "phone", "without an extension")


def test_today_is_refused_as_a_preferred_date(client):
    today = timezone.localdate().isoformat()
    assert_refused(post(client, first_preferred_date=today), "first_preferred_date", "Choose a date after today.")


def test_a_past_date_is_refused(client):
    last_week = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert_refused(post(client, first_preferred_date=last_week), "first_preferred_date", "after today")


def test_a_date_more_than_180_days_ahead_is_refused(client):
    far = timezone.localdate() + timedelta(days=181)
    while far.weekday() == Weekday.SUNDAY:
        far += timedelta(days=1)
    assert_refused(post(client, first_preferred_date=far.isoformat()), "first_preferred_date", "within the next 180")


def test_the_last_day_of_the_180_day_window_is_accepted(client):
    last = timezone.localdate() + timedelta(days=180)
    if last.weekday() == Weekday.SUNDAY:
        last -= timedelta(days=1)
    assert post(client, first_preferred_date=last.isoformat()).status_code == 302


def test_a_day_the_clinic_is_closed_every_week_is_refused(client):
    sunday = next_weekday(Weekday.SUNDAY)
    assert_refused(post(client, first_preferred_date=sunday.isoformat()), "first_preferred_date", "closed on Sundays")


def test_a_closure_date_is_refused_with_its_reason(client):
    closed = open_day()
    Closure.objects.create(date=closed, reason="Staff training day")
    assert_refused(post(client, first_preferred_date=closed.isoformat()), "first_preferred_date", "Staff training")


def test_a_date_typed_the_british_way_is_accepted(client):
    day = open_day()
    assert post(client, first_preferred_date=day.strftime("%d/%m/%Y")).status_code == 302
    assert ConsultationRequest.objects.get().first_preferred_date == day


@pytest.mark.parametrize("value", ["31/02/2027", "tomorrow", "2027-13-01", "12", "2027-02-30", "９/９/２０２７"])
def test_a_malformed_date_is_refused(client, value):
    assert_refused(post(client, first_preferred_date=value), "first_preferred_date", "Enter a real date")


def test_the_second_date_must_differ_from_the_first(client):
    day = open_day().isoformat()
    response = post(client, first_preferred_date=day, second_preferred_date=day)
    assert_refused(response, "second_preferred_date", "Choose a different date from your first choice")


def test_the_second_date_follows_the_same_rules_as_the_first(client):
    sunday = next_weekday(Weekday.SUNDAY).isoformat()
    assert_refused(post(client, second_preferred_date=sunday), "second_preferred_date", "closed on Sundays")


def test_a_second_date_is_optional_and_stored_when_given(client):
    second = open_day(weeks=2)
    post(client, second_preferred_date=second.isoformat())
    assert ConsultationRequest.objects.get().second_preferred_date == second


@pytest.mark.parametrize(
    "field, value", [("time_of_day", "midnight"), ("contact_preference", "pigeon"), ("keloid_tendency", "maybe")]
)
def test_a_choice_that_is_not_offered_is_refused(client, field, value):
    assert_refused(post(client, **{field: value}), field, "Select a valid choice")


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ó Súilleabháin",
        "Siân O'Neill-Jones",
        "Łukasz Żółć",
        "Nguyễn Thị Minh Khai",
        "李小龍",
        "Αλέξανδρος Παπαδόπουλος",
        "Владимир Иванов",
        "محمد عبد الله",
        "D'Arcy-Smythe Jr.",
    ],
)
def test_names_in_any_script_are_accepted_and_kept_exactly(client, name):
    assert post(client, full_name=name).status_code == 302
    assert ConsultationRequest.objects.get().full_name == name


@pytest.mark.parametrize("field", ["full_name", "email", "phone", "help_with"])
def test_nul_bytes_are_refused_cleanly(client, field):
    value = {"full_name": "Alex\x00Patient", "email": "alex\x00@example.com", "phone": "07911\x00123456"}.get(
        field, "Scars\x00 on my cheeks"
    )
    response = post(client, **{field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert ConsultationRequest.objects.count() == 0


def test_a_nul_byte_in_a_date_or_choice_is_refused_cleanly(client):
    response = post(client, first_preferred_date="2027\x00-01-01", time_of_day="any\x00")
    assert response.status_code == 200
    assert {"first_preferred_date", "time_of_day"} <= set(response.context["form"].errors)
    assert ConsultationRequest.objects.count() == 0


def test_control_characters_in_a_name_are_refused(client):
    assert_refused(post(client, full_name="Alex\x1b[31mPatient"), "full_name", "special characters")


def test_an_invalid_form_keeps_everything_the_patient_typed(client, treatment):
    response = post(
        client,
        full_name="Zoë O'Brien",
        email="not-an-email",
        phone="07911 123456",
        help_with="Scars since my teens",
        treatments=[treatment.pk],
        time_of_day="evening",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Zoë O&#x27;Brien"' in html
    assert 'value="not-an-email"' in html
    assert "Scars since my teens</textarea>" in html
    assert f'value="{treatment.pk}"  id="id_treatments_0" checked' in html
    assert 'value="evening"  id="id_time_of_day_2" required checked' in html


def test_an_invalid_form_says_so_in_the_page_title(client):
    response = post(client, email="nope")
    assert "<title>Error: Request a consultation" in response.content.decode()


def test_a_post_without_a_csrf_token_is_refused_and_stores_nothing():
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, form_data())
    assert response.status_code == 403
    assert ConsultationRequest.objects.count() == 0


def test_a_post_with_a_forged_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.get(URL)
    response = client.post(URL, form_data(csrfmiddlewaretoken="x" * 64))
    assert response.status_code == 403
    assert ConsultationRequest.objects.count() == 0


def test_each_form_carries_a_fresh_idempotency_key_in_a_hidden_field(client):
    # The second is served from the page cache, which fills in a new key.
    first, second = client.get(URL), client.get(URL)
    first_key, second_key = (
        re.search(r'<input type="hidden" name="idempotency_key" value="([^"]+)"', page.content.decode()).group(1)
        for page in (first, second)
    )
    assert is_idempotency_key(first_key) and is_idempotency_key(second_key)
    assert second_key != first_key


def test_sending_the_same_form_twice_makes_one_request_and_shows_the_same_thanks_page(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    data = form_data()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, data)
        second = client.post(URL, data)
    assert ConsultationRequest.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(mailoutbox) == 2  # one acknowledgement, one clinic notice: not four


def test_a_resubmission_is_recognised_even_if_the_form_would_now_be_refused(client):
    data = form_data()
    first = client.post(URL, data)
    Closure.objects.create(date=open_day(), reason="Closed since")
    again = client.post(URL, data)
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert ConsultationRequest.objects.count() == 1


def test_going_back_and_sending_the_same_answers_again_from_a_reloaded_form_makes_one_request(client):
    first = client.post(URL, form_data(idempotency_key="first-form-key"))
    # The reloaded form carries a fresh key; the answers are the same.
    again = client.post(URL, form_data(idempotency_key="second-form-key"))
    assert again["Location"] == first["Location"]
    assert ConsultationRequest.objects.count() == 1


def test_different_answers_from_the_same_browser_make_a_second_request(client):
    client.post(URL, form_data())
    client.post(URL, form_data(full_name="Sam Patient"))
    assert ConsultationRequest.objects.count() == 2


def test_the_same_answers_from_another_browser_make_their_own_request():
    Client().post(URL, form_data())
    response = Client().post(URL, form_data())
    assert response.status_code == 302
    assert ConsultationRequest.objects.count() == 2


def test_the_same_answers_after_cancelling_make_a_new_request(client):
    from bookings import services

    first = client.post(URL, form_data())
    services.cancel_request(consultation=ConsultationRequest.objects.get(), by=None)
    again = client.post(URL, form_data())
    assert again["Location"] != first["Location"]
    assert ConsultationRequest.objects.count() == 2


@pytest.mark.parametrize("key", [None, "", "short", "has spaces in it", "x" * 65, "bad\x00key-123456"])
def test_a_missing_or_malformed_idempotency_key_still_lets_the_patient_through(client, key):
    response = post(client, idempotency_key=key)
    assert response.status_code == 302
    assert ConsultationRequest.objects.count() == 1


@pytest.fixture
def frozen_window():
    """The rate limit counts in fixed windows of the clock: keep every post in one."""
    with mock.patch("clinic.ratelimit.time") as clock:
        clock.time.return_value = 1_800_000_450.0
        yield


def test_a_patient_who_makes_twelve_mistakes_then_gets_it_right_is_not_refused(client, frozen_window):
    for _ in range(12):
        assert post(client, email="nope").status_code == 200
    response = post(client)
    assert response.status_code == 302
    assert ConsultationRequest.objects.count() == 1


def test_a_flood_of_refused_posts_is_stopped_with_a_clear_429_page(client, frozen_window):
    # The README's rule: at most 40 posts in all per 15 minutes.
    statuses = [post(client, email="nope").status_code for _ in range(40)]
    assert statuses == [200] * 40
    response = post(client)  # even a correct form, once the client is over the limit
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert response["Retry-After"] == str(15 * 60)
    assert ConsultationRequest.objects.count() == 0


def test_more_than_ten_complete_requests_from_one_client_get_a_clear_429_page(client, frozen_window):
    statuses = [post(client, full_name=f"Patient {n}").status_code for n in range(11)]
    assert statuses == [302] * 10 + [429]
    assert ConsultationRequest.objects.count() == 10
    response = post(client, full_name="Patient 12")
    assert b"Too many attempts" in response.content and response["Retry-After"] == str(15 * 60)


def test_reading_the_form_is_not_rate_limited(client):
    for _ in range(15):
        assert client.get(URL).status_code == 200


def test_the_rate_limit_counts_per_client(frozen_window):
    first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")
    for n in range(10):
        assert first.post(URL, form_data(full_name=f"Patient {n}")).status_code == 302
    assert first.post(URL, form_data()).status_code == 429
    assert second.post(URL, form_data()).status_code == 302


def test_the_form_page_makes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for n in range(8):
        make_treatment()
        Closure.objects.create(date=open_day(weeks=n + 1) + timedelta(days=1), reason=f"Closed {n}")
    client.get(URL)  # warm the opening-hours cache
    with django_assert_max_num_queries(3):
        client.get(URL)
