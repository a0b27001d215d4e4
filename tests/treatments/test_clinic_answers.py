"""Clinic answers come from the clinician who wrote or approved them: a clinician
signed in answers as themselves; an editor drafts for a clinician, who approves."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.bookings.conftest import make_staff_member
from tests.conftest import staff_login
from tests.factories import make_clinician, make_comment, make_treatment
from treatments.models import Comment, CommentStatus

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:treatments_comment_changelist")


@pytest.fixture
def treatment():
    return make_treatment(title="Microneedling", slug="microneedling")


@pytest.fixture
def question(treatment):
    return make_comment(
        treatment, is_question=True, body="How long is the downtime?", notify_on_reply=True, email="q@example.com"
    )


@pytest.fixture
def fenwick():
    user = make_staff_member(group="Clinicians")
    return make_clinician(name="Dr Ada Fenwick", credentials="MBBS, MD", user=user)


def client_of(user):
    return staff_login(Client(), user)


def answer(client, question, **data):
    return client.post(reverse("admin:treatments_comment_answer", args=[question.pk]), data)


def approve(client, comment):
    response = client.post(
        CHANGELIST, {"action": "approve", "index": 0, "_selected_action": [comment.pk]}, follow=True
    )
    return [str(m) for m in response.context["messages"]]


def test_a_clinician_answers_as_themselves_and_it_is_public_at_once(
    question, fenwick, mailoutbox, django_capture_on_commit_callbacks
):
    clinician_client = client_of(fenwick.user)
    form = clinician_client.get(reverse("admin:treatments_comment_answer", args=[question.pk]))
    assert form.context["form"]["clinician"].value() == fenwick.pk
    with django_capture_on_commit_callbacks(execute=True):
        assert answer(clinician_client, question, clinician=fenwick.pk, body="One to two days.").status_code == 302
    reply = Comment.objects.get(parent=question)
    assert (reply.status, reply.clinician, reply.drafted_by) == (CommentStatus.APPROVED, fenwick, None)
    page = Client().get("/treatments/microneedling/").content.decode()
    assert "One to two days." in page and "approved by" not in page
    assert [m.to for m in mailoutbox] == [["q@example.com"]]


def test_an_editor_drafts_an_answer_that_waits_for_the_clinician(
    question, fenwick, mailoutbox, django_capture_on_commit_callbacks
):
    editor = make_staff_member(group="Editors")
    editor_client = client_of(editor)
    form = editor_client.get(reverse("admin:treatments_comment_answer", args=[question.pk])).content.decode()
    assert "Draft for" in form and "Save the draft for the clinician to approve" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(editor_client, question, clinician=fenwick.pk, body="One to two days.")
    assert response.status_code == 302
    draft = Comment.objects.get(parent=question)
    assert (draft.status, draft.drafted_by) == (CommentStatus.PENDING, editor)
    assert "One to two days." not in Client().get("/treatments/microneedling/").content.decode()
    assert mailoutbox == []
    queue = editor_client.get(CHANGELIST).content.decode()
    assert "Draft answer: waiting for Dr Ada Fenwick to approve it" in queue


def answer_page(client, question):
    return client.get(reverse("admin:treatments_comment_answer", args=[question.pk])).content.decode()


def test_an_editor_is_told_their_answer_stays_a_draft_not_that_it_is_published(question, fenwick):
    page = answer_page(client_of(make_staff_member(group="Editors")), question)
    assert "Kept as a draft until the clinician approves it." in page
    assert "published at once" not in page.lower()


def test_a_clinician_is_told_only_their_own_answer_is_published_at_once(question, fenwick):
    page = answer_page(client_of(fenwick.user), question)
    assert "Published at once when you answer as yourself; for a colleague, once they approve it." in page


def test_the_editor_cannot_approve_their_own_draft_and_nothing_changes(question, fenwick):
    editor = make_staff_member(group="Editors")
    editor_client = client_of(editor)
    answer(editor_client, question, clinician=fenwick.pk, body="One to two days.")
    draft = Comment.objects.get(parent=question)
    shown = approve(editor_client, draft)
    assert any(
        "Only Dr Ada Fenwick can approve this answer, as it is published in their name." in message
        for message in shown
    )
    draft.refresh_from_db()
    assert draft.status == CommentStatus.PENDING and draft.body == "One to two days."


def test_another_clinician_cannot_approve_it_either(question, fenwick):
    other = make_clinician(name="Dr Basil Orme", user=make_staff_member(group="Clinicians"))
    answer(client_of(make_staff_member(group="Editors")), question, clinician=fenwick.pk, body="Two days.")
    draft = Comment.objects.get(parent=question)
    shown = approve(client_of(other.user), draft)
    assert any("Only Dr Ada Fenwick can approve this answer" in message for message in shown)
    draft.refresh_from_db()
    assert draft.status == CommentStatus.PENDING


def test_the_clinician_approves_the_draft_and_the_page_says_so(
    question, fenwick, mailoutbox, django_capture_on_commit_callbacks
):
    answer(client_of(make_staff_member(group="Editors")), question, clinician=fenwick.pk, body="Two days.")
    draft = Comment.objects.get(parent=question)
    with django_capture_on_commit_callbacks(execute=True):
        shown = approve(client_of(fenwick.user), draft)
    assert "1 comment approved." in shown
    draft.refresh_from_db()
    assert draft.status == CommentStatus.APPROVED and draft.clinician_approved_at is not None
    page = Client().get("/treatments/microneedling/").content.decode()
    assert "Two days." in page
    assert "Drafted by the clinic team, approved by Dr Ada Fenwick on" in page
    assert [m.to for m in mailoutbox] == [["q@example.com"]]


def test_a_superuser_not_linked_to_a_clinician_drafts_too(admin_client, question, fenwick):
    answer(admin_client, question, clinician=fenwick.pk, body="Two days.")
    assert Comment.objects.get(parent=question).status == CommentStatus.PENDING


def test_a_clinician_drafting_for_a_colleague_waits_for_the_colleague(question, fenwick):
    colleague = make_clinician(name="Dr Basil Orme")
    answer(client_of(fenwick.user), question, clinician=colleague.pk, body="Two days.")
    draft = Comment.objects.get(parent=question)
    assert (draft.status, draft.clinician, draft.drafted_by) == (CommentStatus.PENDING, colleague, fenwick.user)
