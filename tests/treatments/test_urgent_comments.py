"""A comment describing urgent symptoms is flagged for moderators and the
commenter is told at once where to get care."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.bookings.conftest import make_staff_member
from tests.conftest import staff_login
from tests.factories import make_comment, make_treatment
from tests.treatments.test_comments_posting import comments_url, form_data
from treatments.comment_screening import urgent_symptoms
from treatments.models import Comment, CommentStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Three days after my peel I have a fever and chills.", ["fever"]),
        ("The redness is spreading down my neck.", ["spreading redness or swelling"]),
        ("My cheek is swollen and it keeps spreading.", ["spreading redness or swelling"]),
        ("There is pus coming from one of the spots.", ["pus"]),
        ("The punch site has been bleeding for an hour and won't stop.", ["bleeding that does not stop"]),
        ("After the filler my vision went blurry in one eye.", ["a sudden change in vision"]),
        ("Suddenly I lost vision on the left side.", ["a sudden change in vision"]),
        ("How long does the redness last?", []),
        ("Does the laser help with spreading acne scars? I want a clear vision of results.", []),
    ],
)
def test_urgent_symptoms_are_recognised(text, expected):
    assert urgent_symptoms(text) == expected


@pytest.fixture
def treatment():
    return make_treatment(title="Fractional laser", slug="fractional-laser")


def test_the_commenter_sees_urgent_care_advice_at_once_and_the_comment_waits(client, treatment, settings):
    settings.COMMENTS_HELD_FOR_MODERATION = False  # even where clean comments go straight up
    response = client.post(comments_url(treatment), form_data(body="I have a fever and pus after my session."))
    page = client.get(response["Location"]).content.decode()
    assert "Need care now?" in page
    assert "Please do not wait for an answer here" in page and "NHS 111" in page and "999" in page
    comment = Comment.objects.get()
    assert (comment.is_urgent, comment.status) == (True, CommentStatus.PENDING)
    assert "urgent symptoms (fever, pus)" in comment.held_reason


def test_an_ordinary_comment_gets_no_urgent_advice(client, treatment):
    response = client.post(comments_url(treatment), form_data())
    page = client.get(response["Location"]).content.decode()
    assert "Need care now?" not in page
    assert Comment.objects.get().is_urgent is False


def test_the_moderator_email_says_urgent(client, treatment, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(comments_url(treatment), form_data(body="The swelling is spreading to my eye."))
    [email] = mailoutbox
    assert email.subject.startswith("URGENT: New comment to moderate")
    assert email.body.startswith("URGENT: this mentions symptoms that can need care now.")
    assert "URGENT" in email.alternatives[0][0]


def test_the_moderation_queue_puts_urgent_comments_first_and_flags_them(treatment):
    make_comment(treatment, status=CommentStatus.PENDING, body="A later ordinary question.")
    make_comment(
        treatment,
        status=CommentStatus.PENDING,
        body="Bleeding that won't stop.",
        is_urgent=True,
        held_reason="Contains urgent symptoms (bleeding that does not stop): check before publishing.",
    )
    make_comment(treatment, status=CommentStatus.PENDING, body="The newest ordinary one.")
    editor = staff_login(Client(), make_staff_member(group="Editors"))
    html = editor.get(reverse("admin:treatments_comment_changelist")).content.decode()
    assert html.index("Bleeding that won") < html.index("The newest ordinary one.")
    assert html.count('class="urgent-comment"') == 1
    urgent_only = editor.get(reverse("admin:treatments_comment_changelist"), {"is_urgent__exact": "1"})
    assert "A later ordinary question." not in urgent_only.content.decode()
