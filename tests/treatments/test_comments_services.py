"""The comment workflow in treatments/services.py: posting, screening, moderation,
clinic answers, FAQ promotion, erasure and the emails that follow them."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import make_clinician, make_comment, make_condition, make_treatment
from treatments.comment_screening import contains_phone_number, count_links
from treatments.models import FAQ, Comment, CommentStatus, PublicationStatus
from treatments.services import (
    CommentStateError,
    answer_comment,
    approve_comment,
    erase_commenter,
    mark_spam,
    post_comment,
    promote_to_faq,
    reject_comment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def treatment():
    return make_treatment(title="Microneedling", slug="microneedling")


@pytest.fixture
def moderator():
    return User.objects.create_user("moderator", is_staff=True)


@pytest.fixture
def clinician(moderator):
    """A clinician signed in as the moderator: their answers are published at once."""
    return make_clinician(name="Dr Ada Fenwick", credentials="MBBS, MD", user=moderator)


def post(page, **fields):
    defaults = {"author_name": "Robin", "email": "robin@example.com", "body": "Did it hurt much?"}
    return post_comment(page=page, **{**defaults, **fields})


# --- Posting and screening ---------------------------------------------------------------


def test_a_new_comment_is_held_for_moderation_and_announced_to_the_clinic_after_commit(
    treatment, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CLINIC_STAFF_EMAIL = "inbox@clinic.example"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = post(treatment, is_question=True)
    assert mailoutbox == []  # nothing is sent inside the transaction
    for callback in callbacks:
        callback()
    assert comment.status == CommentStatus.PENDING
    assert comment.held_reason == ""
    assert [m.to for m in mailoutbox] == [["inbox@clinic.example"]]
    message = mailoutbox[0]
    assert "Microneedling" in message.subject
    assert "Did it hurt much?" in message.body
    assert "robin@example.com" not in message.body
    assert f"/admin/treatments/comment/{comment.pk}/change/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_comments_are_published_at_once_when_moderation_is_switched_off(treatment, settings):
    settings.COMMENTS_HELD_FOR_MODERATION = False
    assert post(treatment).status == CommentStatus.APPROVED


@pytest.mark.parametrize(
    "body",
    [
        "Call me on 07700 900123 if you can fit me in",
        "My number is +44 20 7946 0958, please ring",
        "Email me at robin.patient@example.org about prices",
    ],
)
def test_comments_with_a_phone_number_or_email_address_are_held_with_a_reason_even_without_moderation(
    treatment, settings, body
):
    settings.COMMENTS_HELD_FOR_MODERATION = False
    comment = post(treatment, body=body)
    assert comment.status == CommentStatus.PENDING
    assert "Contains" in comment.held_reason
    assert ("phone number" in comment.held_reason) or ("email address" in comment.held_reason)


@pytest.mark.parametrize(
    "text",
    ["I had 4 sessions, 8 weeks apart, in 2023.", "It cost 1200 pounds for 3 sessions", "SPF 50 for 6 weeks"],
)
def test_numbers_in_ordinary_comments_are_not_taken_for_phone_numbers(text):
    assert not contains_phone_number(text)


def test_comments_with_more_than_two_links_are_held_as_spam_and_not_announced(
    treatment, mailoutbox, django_capture_on_commit_callbacks
):
    body = "Cheap pills http://a.example/x and www.b.example and c-pills.com now"
    assert count_links(body) == 3
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(treatment, body=body)
    assert comment.status == CommentStatus.SPAM
    assert "3 links" in comment.held_reason
    assert mailoutbox == []


def test_two_links_are_allowed(treatment):
    comment = post(treatment, body="See https://www.nhs.uk/conditions/acne/ and www.bad.org.uk")
    assert comment.status == CommentStatus.PENDING
    assert comment.held_reason == ""


def test_the_same_comment_on_the_same_page_within_a_day_is_refused(treatment):
    post(treatment, body="Is it safe for dark skin?")
    with pytest.raises(ValidationError) as refused:
        post(treatment, author_name="Someone else", body="  Is it safe for dark skin?  ")
    assert "already posted" in str(refused.value)
    assert Comment.objects.count() == 1


def test_the_same_text_is_allowed_on_another_page_or_after_a_day(treatment):
    first = post(treatment, body="Thank you for this page")
    post(make_treatment(), body="Thank you for this page")
    Comment.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    post(treatment, body="Thank you for this page")
    assert Comment.objects.count() == 3


def test_a_reply_to_a_reply_joins_the_thread_of_the_top_level_comment(treatment):
    top = make_comment(treatment)
    reply = make_comment(treatment, parent=top)
    comment = post(treatment, body="Me too!", parent=reply)
    assert comment.parent == top


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.SPAM])
def test_a_reply_to_an_unpublished_comment_is_refused(treatment, status):
    parent = make_comment(treatment, status=status)
    with pytest.raises(ValidationError):
        post(treatment, parent=parent)
    assert Comment.objects.count() == 1


def test_a_reply_to_a_comment_on_another_page_is_refused(treatment):
    elsewhere = make_comment(make_condition())
    with pytest.raises(ValidationError):
        post(treatment, parent=elsewhere)
    assert Comment.objects.count() == 1


def test_draft_pages_take_no_comments():
    draft = make_treatment(status=PublicationStatus.DRAFT)
    with pytest.raises(CommentStateError):
        post(draft)


def test_nul_bytes_never_reach_the_database(treatment):
    with pytest.raises(ValidationError):
        post(treatment, body="before\x00after")
    assert Comment.objects.count() == 0


# --- Moderation ----------------------------------------------------------------------------


def test_approving_records_who_and_when_and_tells_a_patient_who_asked(
    treatment, moderator, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://clinic.example"
    comment = make_comment(treatment, status=CommentStatus.PENDING, notify_on_reply=True, email="jo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=comment, by=moderator)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.APPROVED
    assert comment.moderated_by == moderator
    assert comment.moderated_at is not None
    assert [m.to for m in mailoutbox] == [["jo@example.com"]]
    link = f"https://clinic.example/treatments/microneedling/#comment-{comment.pk}"
    assert link in mailoutbox[0].body
    assert f'href="{link}"' in mailoutbox[0].alternatives[0][0]
    assert "published" in mailoutbox[0].subject


def test_approving_sends_nothing_to_a_patient_who_did_not_ask(
    treatment, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    comment = make_comment(treatment, status=CommentStatus.PENDING, notify_on_reply=False)
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=comment, by=moderator)
    assert mailoutbox == []


def test_a_failing_mail_server_does_not_undo_the_approval(
    treatment, moderator, django_capture_on_commit_callbacks, monkeypatch
):
    comment = make_comment(treatment, status=CommentStatus.PENDING, notify_on_reply=True)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=comment, by=moderator)
    comment.refresh_from_db()
    assert comment.status == CommentStatus.APPROVED


def test_approving_twice_is_refused(treatment, moderator):
    comment = make_comment(treatment)
    with pytest.raises(CommentStateError):
        approve_comment(comment=comment, by=moderator)


def test_a_reply_cannot_be_approved_before_its_parent(treatment, moderator):
    parent = make_comment(treatment, status=CommentStatus.PENDING)
    reply = make_comment(treatment, parent=parent, status=CommentStatus.PENDING)
    with pytest.raises(CommentStateError):
        approve_comment(comment=reply, by=moderator)


def test_rejecting_and_marking_as_spam_record_the_moderator_and_refuse_repeats(treatment, moderator):
    first, second = make_comment(treatment, status=CommentStatus.PENDING), make_comment(treatment)
    reject_comment(comment=first, by=moderator)
    mark_spam(comment=second, by=moderator)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.moderated_by) == (CommentStatus.REJECTED, moderator)
    assert (second.status, second.moderated_by) == (CommentStatus.SPAM, moderator)
    with pytest.raises(CommentStateError):
        reject_comment(comment=first, by=moderator)
    with pytest.raises(CommentStateError):
        mark_spam(comment=second, by=moderator)


# --- Clinic answers ---------------------------------------------------------------------------


def test_a_clinic_answer_is_published_at_once_and_emails_the_patient_who_asked(
    treatment, moderator, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    question = make_comment(treatment, is_question=True, notify_on_reply=True, email="asker@example.com")
    assert Comment.objects.unanswered_questions().count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        answer = answer_comment(comment=question, clinician=clinician, body="Usually very little.", by=moderator)
    assert answer.status == CommentStatus.APPROVED
    assert answer.parent == question
    assert answer.clinician == clinician
    assert answer.page.specific == treatment
    assert answer.author_name == "Dr Ada Fenwick"
    assert answer.email == ""
    assert answer.moderated_by == moderator
    assert Comment.objects.unanswered_questions().count() == 0
    assert [m.to for m in mailoutbox] == [["asker@example.com"]]
    assert "Dr Ada Fenwick" in mailoutbox[0].subject
    assert f"#comment-{answer.pk}" in mailoutbox[0].body


def test_answering_a_waiting_question_publishes_it_too(treatment, moderator, clinician):
    question = make_comment(treatment, is_question=True, status=CommentStatus.PENDING)
    answer_comment(comment=question, clinician=clinician, body="Yes.", by=moderator)
    question.refresh_from_db()
    assert question.status == CommentStatus.APPROVED
    assert question.moderated_by == moderator


def test_answering_a_patient_reply_joins_the_thread(treatment, moderator, clinician):
    top = make_comment(treatment)
    reply = make_comment(treatment, parent=top)
    answer = answer_comment(comment=reply, clinician=clinician, body="Good point.", by=moderator)
    assert answer.parent == top


@pytest.mark.parametrize("status", [CommentStatus.REJECTED, CommentStatus.SPAM])
def test_rejected_or_spam_comments_cannot_be_answered(treatment, moderator, clinician, status):
    comment = make_comment(treatment, status=status)
    with pytest.raises(CommentStateError):
        answer_comment(comment=comment, clinician=clinician, body="No.", by=moderator)
    assert Comment.objects.count() == 1


def test_an_empty_answer_is_refused(treatment, moderator, clinician):
    comment = make_comment(treatment)
    with pytest.raises(ValidationError):
        answer_comment(comment=comment, clinician=clinician, body="   ", by=moderator)
    assert Comment.objects.count() == 1


# --- FAQ promotion --------------------------------------------------------------------------------


def test_promoting_a_question_adds_it_and_its_answer_to_the_same_pages_faq(treatment, moderator, clinician):
    FAQ.objects.create(page=treatment.page, question="Existing?", answer="Yes.", order=4)
    question = make_comment(treatment, is_question=True, body="Can I wear\nmake-up the next day?")
    answer_comment(comment=question, clinician=clinician, body="After 24 hours, mineral make-up.", by=moderator)
    faq = promote_to_faq(comment=question)
    assert faq.page.specific == treatment
    assert faq.question == "Can I wear make-up the next day?"
    assert faq.answer == "After 24 hours, mineral make-up."
    assert faq.order == 5
    question.refresh_from_db()
    assert question.promoted_to == faq
    with pytest.raises(CommentStateError):
        promote_to_faq(comment=question)
    assert FAQ.objects.count() == 2


def test_a_question_without_a_clinic_answer_cannot_be_promoted(treatment):
    question = make_comment(treatment, is_question=True)
    make_comment(treatment, parent=question)  # a patient's reply is not an answer
    with pytest.raises(CommentStateError):
        promote_to_faq(comment=question)
    assert FAQ.objects.count() == 0


# --- Erasure ------------------------------------------------------------------------------------------


def test_erasing_a_commenter_removes_their_personal_data_from_all_their_comments_but_keeps_the_thread(
    treatment, moderator, clinician
):
    mine = make_comment(
        treatment, author_name="Robin Q", email="robin@example.com", client_hash="abc", notify_on_reply=True
    )
    also_mine = make_comment(make_condition(), author_name="Robin", email="ROBIN@example.com")
    reply = make_comment(treatment, parent=mine, author_name="Kim", email="kim@example.com")
    answer = answer_comment(comment=mine, clinician=clinician, body="Thanks.", by=moderator)

    assert erase_commenter(comment=mine) == 2

    for comment in (mine, also_mine):
        comment.refresh_from_db()
        assert comment.author_name == "Former patient"
        assert (comment.email, comment.client_hash, comment.notify_on_reply) == ("", "", False)
        assert comment.erased_at is not None
        assert comment.status == CommentStatus.APPROVED
    reply.refresh_from_db()
    answer.refresh_from_db()
    assert reply.author_name == "Kim" and reply.parent == mine
    assert answer.parent == mine
    with pytest.raises(CommentStateError):
        erase_commenter(comment=mine)


def test_clinic_answers_are_not_erased_as_patient_data(treatment, moderator, clinician):
    answer = answer_comment(comment=make_comment(treatment), clinician=clinician, body="Hi.", by=moderator)
    with pytest.raises(CommentStateError):
        erase_commenter(comment=answer)


@pytest.mark.parametrize(("fields", "kind"), [({"is_question": True}, "question"), ({}, "comment")])
def test_the_published_email_names_a_question_or_a_comment(
    treatment, moderator, mailoutbox, django_capture_on_commit_callbacks, fields, kind
):
    comment = make_comment(treatment, status=CommentStatus.PENDING, notify_on_reply=True, **fields)
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=comment, by=moderator)
    assert mailoutbox[0].subject.startswith(f"Your {kind} on ")
    assert f"Thank you for your {kind} on" in mailoutbox[0].body
    assert f"replies to your {kind}." in mailoutbox[0].body
