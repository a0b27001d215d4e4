"""Moderating comments in Django admin: the queue, bulk actions, answering as a
clinician, promotion to the FAQ, erasure on request and the counts on the
admin home page. Done as a member of the Editors group, as in real life."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.conftest import staff_login
from tests.factories import make_clinician, make_comment, make_condition, make_treatment
from treatments.models import FAQ, Comment, CommentStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:treatments_comment_changelist"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", "editor@clinic.example", "a-long-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    staff_login(client, editor)
    return client


@pytest.fixture
def treatment():
    return make_treatment(title="Fractional laser", slug="fractional-laser")


@pytest.fixture
def clinician():
    return make_clinician(name="Dr Ada Fenwick", credentials="MBBS, MD")


def run_action(client, action, comments):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


def test_the_queue_lists_waiting_comments_first_with_the_page_each_is_on(editor_client, treatment):
    make_comment(treatment, body="Already published")
    make_comment(make_condition(title="Ice pick scars"), body="Waiting on a condition", status=CommentStatus.PENDING)
    response = editor_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Waiting on a condition") < html.index("Already published")
    assert "Ice pick scars" in html and "Fractional laser" in html
    assert 'href="/treatments/fractional-laser/"' in html


def test_the_changelist_costs_a_fixed_number_of_queries(
    editor_client, treatment, clinician, django_assert_max_num_queries
):
    for n in range(30):
        top = make_comment(treatment, body=f"Comment {n}", is_question=True)
        make_comment(treatment, parent=top, clinician=clinician, body=f"Answer {n}")
    with django_assert_max_num_queries(15):
        assert editor_client.get(reverse(CHANGELIST)).status_code == 200


def test_editors_approve_in_bulk_which_records_who_and_when_and_logs_it(
    editor_client, editor, treatment, mailoutbox, django_capture_on_commit_callbacks
):
    parent = make_comment(treatment, status=CommentStatus.PENDING, notify_on_reply=True, email="a@example.com")
    reply = make_comment(treatment, parent=parent, status=CommentStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(editor_client, "approve", [reply, parent])
    assert "2 comments approved." in response.content.decode()
    for comment in (parent, reply):
        comment.refresh_from_db()
        assert comment.status == CommentStatus.APPROVED
        assert comment.moderated_by == editor
    assert LogEntry.objects.filter(user=editor, action_flag=CHANGE, object_id=str(parent.pk)).exists()
    assert [m.to for m in mailoutbox] == [["a@example.com"]]


def test_bulk_reject_and_spam_and_a_clear_warning_for_comments_already_in_that_state(editor_client, treatment):
    first, second = make_comment(treatment, status=CommentStatus.PENDING), make_comment(treatment)
    response = run_action(editor_client, "reject", [first, second])
    assert "2 comments rejected." in response.content.decode()
    response = run_action(editor_client, "reject", [first])
    assert "already rejected" in response.content.decode()
    response = run_action(editor_client, "mark_as_spam", [first])
    assert "1 comment marked as spam." in response.content.decode()
    first.refresh_from_db()
    assert first.status == CommentStatus.SPAM


def test_the_filter_shows_questions_without_an_answer(editor_client, treatment, clinician):
    waiting = make_comment(treatment, is_question=True, body="Still waiting for an answer")
    answered = make_comment(treatment, is_question=True, body="This one was answered")
    make_comment(treatment, parent=answered, clinician=clinician, body="Clinic reply")
    make_comment(treatment, body="Just a comment")
    response = editor_client.get(reverse(CHANGELIST), {"answer": "unanswered"})
    html = response.content.decode()
    assert waiting.body in html
    assert answered.body not in html
    assert "Just a comment" not in html


def test_staff_cannot_add_comments_by_hand(editor_client):
    assert editor_client.get(reverse("admin:treatments_comment_add")).status_code == 403


def test_a_signed_in_clinician_answering_from_admin_publishes_the_answer_as_themselves(
    editor_client, editor, treatment, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    clinician.user = editor  # the signed-in account is this clinician's
    clinician.save()
    question = make_comment(
        treatment, is_question=True, body="Which works faster?", notify_on_reply=True, email="q@example.com"
    )
    url = reverse("admin:treatments_comment_answer", args=[question.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Which works faster?" in html
    assert "Dr Ada Fenwick" in html  # in the clinician choices
    assert 'name="body"' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, {"clinician": clinician.pk, "body": "Laser usually shows sooner."})
    assert response.status_code == 302
    answer = Comment.objects.get(parent=question)
    assert (answer.status, answer.clinician, answer.moderated_by) == (CommentStatus.APPROVED, clinician, editor)
    assert [m.to for m in mailoutbox] == [["q@example.com"]]

    shown = editor_client.get(treatment.get_absolute_url()).content.decode()
    assert "Laser usually shows sooner." in shown and "Clinic answer" in shown


def test_an_empty_answer_shows_the_form_again_with_an_error(editor_client, treatment, clinician):
    question = make_comment(treatment, is_question=True)
    url = reverse("admin:treatments_comment_answer", args=[question.pk])
    response = editor_client.post(url, {"clinician": clinician.pk, "body": "   "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Comment.objects.count() == 1


def test_answering_a_spam_comment_is_refused_with_a_clear_message(editor_client, treatment, clinician):
    spam = make_comment(treatment, status=CommentStatus.SPAM)
    url = reverse("admin:treatments_comment_answer", args=[spam.pk])
    response = editor_client.post(url, {"clinician": clinician.pk, "body": "Hello"})
    assert response.status_code == 200
    assert "cannot be answered" in response.content.decode()
    assert Comment.objects.count() == 1


def test_the_answer_page_of_an_unknown_comment_redirects_with_a_message(editor_client):
    response = editor_client.get(reverse("admin:treatments_comment_answer", args=[999999]), follow=True)
    assert response.status_code == 200
    assert "doesn’t exist" in response.content.decode()


def test_staff_without_comment_permissions_cannot_answer(client, django_user_model, treatment):
    reception = django_user_model.objects.create_user("reception", password="a-long-password-1", is_staff=True)
    reception.groups.add(Group.objects.get(name="Reception"))
    staff_login(client, reception)
    question = make_comment(treatment, is_question=True)
    response = client.post(reverse("admin:treatments_comment_answer", args=[question.pk]), {"body": "Hi"})
    assert response.status_code in (403, 302)
    assert Comment.objects.count() == 1


def test_a_good_question_and_its_answer_become_an_faq_on_the_same_page_in_one_action(
    editor_client, treatment, clinician
):
    question = make_comment(treatment, is_question=True, body="Can I wear make-up afterwards?")
    make_comment(treatment, parent=question, clinician=clinician, body="Mineral make-up after a day.")
    response = run_action(editor_client, "promote_to_faq", [question])
    assert "Added “Can I wear make-up afterwards?” to the FAQ" in response.content.decode()
    faq = FAQ.objects.get()
    assert (faq.page.specific, faq.question, faq.answer) == (treatment, question.body, "Mineral make-up after a day.")
    response = run_action(editor_client, "promote_to_faq", [question])
    assert "already in the page" in response.content.decode()
    assert FAQ.objects.count() == 1


def test_moderators_cannot_filter_comments_by_the_visitors_address_hash(editor_client, treatment):
    same_visitor = "5f0c3a9e1b7d4c2a8e6f0b1d3c5a7e9f"
    make_comment(treatment, body="First from one visitor", client_hash=same_visitor)
    make_comment(treatment, body="Second from one visitor", client_hash=same_visitor)
    make_comment(treatment, body="From someone else", client_hash="0" * 32)
    for lookup in [{"client_hash": same_visitor}, {"client_hash__startswith": "5"}, {"client_hash__exact": "x"}]:
        response = editor_client.get(reverse(CHANGELIST), lookup)
        assert response.status_code == 400, lookup
        assert "from one visitor" not in response.content.decode()
    # The filters the page offers still work.
    listed = editor_client.get(reverse(CHANGELIST), {"status__exact": "approved"}).content.decode()
    assert "First from one visitor" in listed and "From someone else" in listed


def test_erasing_a_commenters_data_on_request_keeps_the_thread(editor_client, treatment, clinician):
    comment = make_comment(treatment, author_name="Robin Real-Name", email="robin@example.com", client_hash="h")
    answer = make_comment(treatment, parent=comment, clinician=clinician, body="Clinic reply")
    response = run_action(editor_client, "erase_personal_data", [comment, answer])
    assert "Erased the personal data on 1 comment" in response.content.decode()
    comment.refresh_from_db()
    assert (comment.author_name, comment.email, comment.client_hash) == ("Former patient", "", "")
    assert comment.erased_at is not None
    page = editor_client.get(treatment.get_absolute_url()).content.decode()
    assert "Former patient" in page and "Robin Real-Name" not in page and "Clinic reply" in page


def test_the_admin_home_shows_how_many_comments_wait_and_how_many_questions_lack_an_answer(editor_client, treatment):
    make_comment(treatment, status=CommentStatus.PENDING)
    make_comment(treatment, status=CommentStatus.PENDING)
    make_comment(treatment, is_question=True)
    response = editor_client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    counts = html[html.index('id="comment-counts"') :]
    assert "Waiting for moderation" in counts and "<td>2</td>" in counts
    assert "Questions without an answer" in counts and "<td>1</td>" in counts
    assert "?status__exact=pending" in counts
    assert 'id="content-main"' in html  # the usual app list is still there


def test_the_admin_home_hides_comment_counts_from_staff_who_cannot_see_comments(client, django_user_model):
    reception = django_user_model.objects.create_user("reception", password="a-long-password-1", is_staff=True)
    reception.groups.add(Group.objects.get(name="Reception"))
    staff_login(client, reception)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert b'id="comment-counts"' not in response.content
