"""Clinicians' public profiles: what they show, links to them from bylines and
answers, JSON-LD, and what editors may enter."""

import json
import re

import pytest
from django.core.exceptions import ValidationError

from staff.models import Clinician, RegistrationBody
from tests.factories import make_clinician, make_comment, make_condition, make_treatment
from treatments.models import CommentStatus, PublicationStatus

pytestmark = pytest.mark.django_db

SITE = "https://www.larchfield-clinic.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def hartwell():
    return make_clinician(
        name="Dr Imogen Hartwell",
        credentials="MBBS, MD (Dermatology)",
        role="Consultant dermatologist",
        bio="Leads the acne scar service.",
        registration_body=RegistrationBody.GMC,
        registration_number="0900001",
        special_interests="acne scarring, scar revision",
    )


@pytest.fixture
def petrov():
    return make_clinician(
        name="Nadia Petrov",
        credentials="RN",
        role="Aesthetic nurse specialist",
        registration_body=RegistrationBody.NMC,
        registration_number="00S0001E",
    )


def json_ld(html):
    return [json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)]


def test_the_clinicians_page_lists_each_clinician_with_a_link_to_their_profile(client, hartwell, petrov):
    html = client.get("/clinicians/").text
    assert '<a href="/clinicians/dr-imogen-hartwell/">Dr Imogen Hartwell</a>' in html
    assert '<a href="/clinicians/nadia-petrov/">Nadia Petrov</a>' in html
    assert "Nursing and Midwifery Council (NMC) number 00S0001E (fictional sample number)" in html


def test_a_profile_shows_credentials_role_registration_and_special_interests(client, hartwell):
    response = client.get("/clinicians/dr-imogen-hartwell/")
    assert response.status_code == 200
    html = response.text
    assert '<h1 id="clinician-name">Dr Imogen Hartwell</h1>' in html
    assert "MBBS, MD (Dermatology)" in html and "Consultant dermatologist" in html
    assert "General Medical Council (GMC) number 0900001 (fictional sample number)" in html
    assert "acne scarring, scar revision" in html
    assert "Fictional sample clinician" in html
    assert f'<link rel="canonical" href="{SITE}/clinicians/dr-imogen-hartwell/">' in html


def test_an_unknown_clinician_is_a_404(client):
    assert client.get("/clinicians/nobody/").status_code == 404


def test_a_profile_lists_the_published_pages_they_wrote_or_reviewed(client, hartwell, petrov):
    make_condition(title="Ice pick scars", slug="ice-pick-scars", author=hartwell, medical_reviewer=petrov)
    make_treatment(title="Microneedling", slug="microneedling", author=petrov, medical_reviewer=hartwell)
    make_treatment(title="Peel draft", slug="peel", author=hartwell, status=PublicationStatus.DRAFT)
    make_treatment(title="Someone else's", slug="other", author=petrov)
    html = client.get("/clinicians/dr-imogen-hartwell/").text
    assert '<a href="/conditions/ice-pick-scars/">Ice pick scars</a>' in html
    assert '<a href="/treatments/microneedling/">Microneedling</a>' in html
    assert "(wrote it)" in html and "(medically reviewed it)" in html
    assert "Peel draft" not in html and "Someone else" not in html


def test_a_profile_lists_their_public_answers_linking_to_the_right_page_of_comments(client, hartwell):
    treatment = make_treatment(title="Microneedling", slug="microneedling")
    for _ in range(50):  # a full first page of comments
        make_comment(treatment)
    question = make_comment(treatment, author_name="Nell R", body="Does the numbing cream make it bearable?")
    answer = make_comment(treatment, parent=question, clinician=hartwell, body="Most patients feel a scratching.")
    make_comment(treatment, parent=question, clinician=hartwell, body="Still in moderation", status="pending")
    html = client.get("/clinicians/dr-imogen-hartwell/").text
    assert "Does the numbing cream make it bearable?" in html and "Most patients feel a scratching." in html
    assert f'href="/treatments/microneedling/?comments_page=2#comment-{answer.pk}"' in html
    assert answer.get_absolute_url() == f"/treatments/microneedling/?comments_page=2#comment-{answer.pk}"
    assert "Still in moderation" not in html


def test_answers_on_unpublished_pages_or_to_removed_questions_are_not_listed(client, hartwell):
    draft = make_treatment(status=PublicationStatus.DRAFT)
    make_comment(draft, parent=make_comment(draft), clinician=hartwell, body="Answer on a draft page")
    live = make_treatment()
    removed = make_comment(live, status=CommentStatus.REJECTED)
    make_comment(live, parent=removed, clinician=hartwell, body="Answer to a rejected question")
    html = client.get("/clinicians/dr-imogen-hartwell/").text
    assert "Answer on a draft page" not in html and "Answer to a rejected question" not in html
    assert "No public answers yet." in html


def test_bylines_and_the_authors_section_link_to_the_profiles(client, hartwell, petrov):
    condition = make_condition(slug="ice-pick-scars", author=petrov, medical_reviewer=hartwell)
    html = client.get(condition.get_absolute_url()).text
    assert 'Written by <a href="/clinicians/nadia-petrov/">Nadia Petrov</a>' in html
    assert 'Medically reviewed by <a href="/clinicians/dr-imogen-hartwell/">Dr Imogen Hartwell</a>' in html
    assert '<strong><a href="/clinicians/nadia-petrov/">Nadia Petrov</a></strong>' in html


def test_a_clinic_answer_under_a_page_links_to_the_clinicians_profile(client, hartwell):
    treatment = make_treatment()
    make_comment(treatment, parent=make_comment(treatment, is_question=True), clinician=hartwell, body="Yes.")
    html = client.get(treatment.get_absolute_url()).text
    assert '<a href="/clinicians/dr-imogen-hartwell/">Dr Imogen Hartwell</a>' in html


def test_a_doctors_profile_is_described_as_a_physician_and_a_nurses_as_a_person(client, hartwell, petrov):
    (doctor,) = json_ld(client.get("/clinicians/dr-imogen-hartwell/").text)
    assert doctor["@type"] == ["Person", "Physician"]
    assert doctor["name"] == "Dr Imogen Hartwell" and doctor["jobTitle"] == "Consultant dermatologist"
    assert doctor["url"] == f"{SITE}/clinicians/dr-imogen-hartwell/"
    assert doctor["knowsAbout"] == ["acne scarring", "scar revision"]
    assert doctor["hasCredential"]["identifier"] == "0900001"
    assert doctor["hasCredential"]["recognizedBy"]["name"] == "General Medical Council (GMC)"
    (nurse,) = json_ld(client.get("/clinicians/nadia-petrov/").text)
    assert nurse["@type"] == "Person"
    assert nurse["hasCredential"]["recognizedBy"]["name"] == "Nursing and Midwifery Council (NMC)"


def test_a_new_clinician_gets_a_free_address_made_from_their_name():
    first = Clinician.objects.create(name="Dr Sam Lee")
    second = Clinician.objects.create(name="Dr Sam Lee")
    assert (first.slug, second.slug) == ("dr-sam-lee", "dr-sam-lee-2")


@pytest.mark.parametrize(
    ("body", "number", "field", "message"),
    [
        (RegistrationBody.GMC, "12345", "registration_number", "7 digits"),
        (RegistrationBody.NMC, "1234567", "registration_number", "like 12A3456E"),
        ("", "0900001", "registration_body", "Choose the regulator"),
        (RegistrationBody.GMC, "", "registration_number", "Enter the registration number"),
    ],
)
def test_a_registration_number_must_fit_its_regulator(body, number, field, message):
    clinician = Clinician(name="Dr Sam Lee", slug="dr-sam-lee", registration_body=body, registration_number=number)
    with pytest.raises(ValidationError) as error:
        clinician.full_clean()
    assert message in " ".join(error.value.message_dict[field])


def test_editors_enter_the_profile_in_admin(admin_client):
    response = admin_client.post(
        "/admin/staff/clinician/add/",
        {
            "name": "Dr Ada Moss",
            "slug": "",
            "credentials": "MBBS",
            "role": "Dermatologist",
            "bio": "",
            "special_interests": "eczema",
            "registration_body": "gmc",
            "registration_number": " 0900009 ",
        },
    )
    assert response.status_code == 302
    clinician = Clinician.objects.get(name="Dr Ada Moss")
    assert (clinician.slug, clinician.registration_number) == ("dr-ada-moss", "0900009")


def test_a_profiles_address_stays_put_when_editors_change_the_name(admin_client, hartwell):
    response = admin_client.post(
        f"/admin/staff/clinician/{hartwell.pk}/change/",
        {
            "name": "Dr Imogen Hartwell-Reyes",
            "slug": "dr-imogen-hartwell-reyes",
            "credentials": hartwell.credentials,
            "role": hartwell.role,
            "bio": hartwell.bio,
            "special_interests": hartwell.special_interests,
            "registration_body": "gmc",
            "registration_number": "0900001",
            "is_sample": "on",
        },
    )
    assert response.status_code == 302
    hartwell.refresh_from_db()
    assert (hartwell.name, hartwell.slug) == ("Dr Imogen Hartwell-Reyes", "dr-imogen-hartwell")
