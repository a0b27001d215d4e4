"""The admin lists' query strings cannot pick out patients by what the signed-in
staff member may not see: a filter on a screening answer (or a personal detail,
or an internal token) in the URL is refused, not answered with fewer rows."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.bookings.conftest import make_staff_member, submit
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

REQUESTS = reverse("admin:bookings_consultationrequest_changelist")
OUTBOX = reverse("admin:notifications_email_changelist")


@pytest.fixture
def patients():
    """Two patients: one answered yes to every screening question, one no/not sure."""
    yes = submit(
        full_name="Yara Yes",
        email="yara@example.com",
        isotretinoin_recent="yes",
        pregnant_or_breastfeeding="yes",
        keloid_tendency="yes",
        active_skin_infection="yes",
    )
    no = submit(full_name="Nico No", email="nico@example.com", keloid_tendency="not_sure")
    return yes, no


def refused(response):
    """Django's answer to a lookup the admin does not allow (DisallowedModelAdminLookup):
    "Bad Request (400)", no list at all."""
    return response.status_code == 400 and "Yara Yes" not in response.content.decode()


@pytest.fixture(autouse=True)
def answer_like_the_site(client):
    """The page a browser would get, rather than the exception behind a 400."""
    client.raise_request_exception = False


def listed(response):
    """The patients' names on the list page."""
    html = response.content.decode()
    return {name for name in ["Yara Yes", "Nico No"] if name in html}


SCREENING_LOOKUPS = [
    {"pregnant_or_breastfeeding": "yes"},
    {"pregnant_or_breastfeeding__exact": "yes"},
    {"pregnant_or_breastfeeding__in": "yes,not_sure"},
    {"isotretinoin_recent": "yes"},
    {"keloid_tendency": "not_sure"},
    {"active_skin_infection__iexact": "YES"},
    {"active_skin_infection__isnull": "False"},
]


@pytest.mark.parametrize("lookup", SCREENING_LOOKUPS, ids=lambda lookup: next(iter(lookup)))
def test_reception_cannot_pick_out_patients_by_a_screening_answer(reception_client, patients, lookup):
    response = reception_client.get(REQUESTS, lookup)
    assert refused(response)
    # With a reference it would have said yes or no about one patient: refused all the same.
    yes, _ = patients
    assert refused(reception_client.get(REQUESTS, {**lookup, "reference": yes.reference}))


def test_reception_still_sees_the_whole_list_and_filters_by_what_it_may_see(reception_client, patients):
    assert listed(reception_client.get(REQUESTS)) == {"Yara Yes", "Nico No"}
    assert listed(reception_client.get(REQUESTS, {"email": "yara@example.com"})) == {"Yara Yes"}
    assert listed(reception_client.get(REQUESTS, {"status": "new"})) == {"Yara Yes", "Nico No"}


def test_reception_cannot_filter_on_the_status_link_token(reception_client, patients):
    yes, _ = patients
    assert refused(reception_client.get(REQUESTS, {"token__startswith": yes.token[:1]}))


def test_a_clinician_may_filter_by_the_screening_answers(client, patients):
    staff_login(client, make_staff_member(group="Clinicians"))
    assert listed(client.get(REQUESTS, {"pregnant_or_breastfeeding": "yes"})) == {"Yara Yes"}
    assert listed(client.get(REQUESTS, {"keloid_tendency__in": "not_sure"})) == {"Nico No"}


@pytest.fixture
def viewer_client(client):
    """Staff who may see requests, but not the patients' details."""
    user = make_staff_member(group=None)
    user.user_permissions.add(Permission.objects.get(codename="view_consultationrequest"))
    return staff_login(client, user)


@pytest.mark.parametrize(
    "lookup",
    [
        {"full_name": "Yara Yes"},
        {"email__icontains": "yara"},
        {"phone__startswith": "+44"},
        {"help_with__icontains": "scars"},
        {"keloid_tendency": "yes"},
        {"status_changes__note__icontains": "moved"},
        {"notifications__to": "yara@example.com"},
    ],
    ids=lambda lookup: next(iter(lookup)),
)
def test_staff_without_patient_details_cannot_filter_by_them(viewer_client, patients, lookup):
    assert refused(viewer_client.get(REQUESTS, lookup))
    assert viewer_client.get(REQUESTS).status_code == 200


def test_the_outbox_cannot_be_filtered_by_address_without_the_patients_details(viewer_client, patients):
    assert viewer_client.get(OUTBOX).status_code == 200
    assert refused(viewer_client.get(OUTBOX, {"to": "yara@example.com"}))
    assert refused(viewer_client.get(OUTBOX, {"consultation_request__keloid_tendency": "yes"}))


def test_reception_filters_the_outbox_by_address(reception_client, patients):
    page = reception_client.get(OUTBOX, {"to": "yara@example.com"}).content.decode()
    assert "yara@example.com" in page and "nico@example.com" not in page
