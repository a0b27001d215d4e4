"""Posting comments and replies through the page's comment URL: the happy path,
every spam defence, and every kind of bad input (clear errors, nothing stored)."""

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from tests.factories import make_comment, make_condition, make_treatment
from treatments.form_signing import FORM_TIME_SALT, sign_form_time
from treatments.models import Comment, CommentStatus, PublicationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def treatment():
    return make_treatment(title="Fractional laser", slug="fractional-laser")


def comments_url(page):
    kind = "condition" if page._meta.model_name == "condition" else "treatment"
    return reverse(f"treatments:{kind}_comments", kwargs={"slug": page.slug})


def form_data(**overrides):
    """What a person's browser sends: the form was shown a minute ago."""
    data = {
        "author_name": "Robin",
        "email": "robin@example.com",
        "body": "How long does the redness last?",
        "shown_at": sign_form_time(time.time() - 60),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- The happy path ---------------------------------------------------------------------


def test_posting_a_comment_returns_to_the_pages_comments_saying_a_moderator_will_approve_it(
    client, treatment, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.CLINIC_STAFF_EMAIL = "inbox@clinic.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(comments_url(treatment), form_data(notify_on_reply="on", is_question="on"))
    assert response.status_code == 302
    assert response["Location"] == "/treatments/fractional-laser/#comments"

    comment = Comment.objects.get()
    assert comment.page.specific == treatment
    assert comment.status == CommentStatus.PENDING
    assert (comment.notify_on_reply, comment.is_question) == (True, True)
    assert comment.client_hash and "127.0.0.1" not in comment.client_hash
    assert [m.to for m in mailoutbox] == [["inbox@clinic.example"]]

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    section = html[html.index('id="comments"') :]
    assert "Your question will appear on this page once a moderator approves it" in section
    assert "How long does the redness last?" not in html  # not published yet
    assert html.count("once a moderator approves it") == 1  # shown in the comments section only


def test_a_comment_on_a_condition_page_belongs_to_that_condition(client):
    condition = make_condition(slug="ice-pick-scars")
    response = client.post(comments_url(condition), form_data())
    assert response["Location"] == "/conditions/ice-pick-scars/#comments"
    assert Comment.objects.get().page.specific == condition


def test_a_get_of_the_comment_url_leads_to_the_pages_comments(client, treatment):
    response = client.get(comments_url(treatment))
    assert response.status_code == 302
    assert response["Location"] == "/treatments/fractional-laser/#comments"


def test_a_patient_can_reply_to_an_approved_comment_from_a_reply_link(client, treatment):
    parent = make_comment(treatment, author_name="Kim", body="It was fine for me.")
    page = client.get(treatment.get_absolute_url(), {"reply_to": parent.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reply to <bdi>Kim</bdi>" in html
    assert f'name="parent" value="{parent.pk}"' in html
    assert html.index("Reply to <bdi>Kim</bdi>") > html.index(f'id="comment-{parent.pk}"')

    response = client.post(comments_url(treatment), form_data(parent=parent.pk, body="Good to hear!"))
    assert response.status_code == 302
    reply = Comment.objects.get(body="Good to hear!")
    assert reply.parent == parent
    assert reply.status == CommentStatus.PENDING


def test_a_reply_to_a_reply_is_attached_to_the_top_level_comment(client, treatment):
    top = make_comment(treatment)
    reply = make_comment(treatment, parent=top)
    client.post(comments_url(treatment), form_data(parent=reply.pk, body="Agreed"))
    assert Comment.objects.get(body="Agreed").parent == top


def test_unicode_of_every_kind_is_stored_and_shown_intact(client, treatment, settings):
    settings.COMMENTS_HELD_FOR_MODERATION = False
    name = "Zoë 🌸 زينب"
    body = "Emoji 👩🏽‍⚕️ ok.\nעברית וערבית: مرحبا بكم\nCombining: e\u0301 a\u0308 \u0915\u094d\u0937"
    response = client.post(comments_url(treatment), form_data(author_name=name, body=body))
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.author_name, comment.body) == (name, body)
    html = client.get(treatment.get_absolute_url()).content.decode()
    assert name in html
    assert body.replace("\n", "<br>") in html


def test_line_endings_from_the_browser_count_once_towards_the_3000_characters(client, treatment):
    lines = ["x" * 99] * 30  # 2,970 characters and 29 line breaks: 2,999 as the browser counts
    response = client.post(comments_url(treatment), form_data(body="\r\n".join(lines)))
    assert response.status_code == 302
    assert Comment.objects.get().body == "\n".join(lines)


# --- Bad input: a clear error, the form as typed, nothing stored -------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"author_name": ""}, "Enter the name to show with your comment."),
        ({"author_name": " \t "}, "Enter the name to show with your comment."),
        ({"body": ""}, "Write your comment."),
        ({"body": " \n\r\n\u3000 "}, "Write your comment."),
        ({"body": "\u200b\u200f\u200e"}, "Write your comment."),
        ({"body": "y" * 3001}, "Please shorten your comment to 3000 characters (it has 3001)."),
        ({"email": ""}, "Enter your email address. It is never shown."),
        ({"email": "robin@"}, "Enter an email address like name@example.com."),
        ({"email": "not an email"}, "Enter an email address like name@example.com."),
        ({"author_name": "n" * 81}, "Ensure this value has at most 80 characters (it has 81)."),
        ({"body": "NUL\x00byte"}, "Null characters are not allowed."),
        ({"author_name": "Ro\x00bin"}, "Null characters are not allowed."),
        ({"email": "ro\x00bin@example.com"}, "Null characters are not allowed."),
        ({"parent": "abc"}, "The comment you are replying to could not be found."),
        ({"parent": "99999999999999999999999"}, "Ensure this value is less than or equal to"),
        ({"parent": "987654"}, "The comment you are replying to could not be found."),
    ],
)
def test_bad_input_shows_the_page_again_with_a_clear_error_and_stores_nothing(client, treatment, overrides, message):
    response = client.post(comments_url(treatment), form_data(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "was not posted yet" in html
    assert Comment.objects.count() == 0
    # What was typed is still there.
    if "body" not in overrides:
        assert "How long does the redness last?" in html


def test_the_error_summary_links_to_the_fields_and_the_form_posts_back_to_its_own_anchor(client, treatment):
    response = client.post(comments_url(treatment), form_data(email="nope"))
    html = response.content.decode()
    assert 'href="#id_email"' in html
    assert 'role="alert"' in html
    assert f'action="{comments_url(treatment)}#comment-form"' in html
    assert 'value="Robin"' in html
    assert 'value="nope"' in html  # the patient's own input, back to the patient only


def test_a_missing_or_wrong_csrf_token_is_refused_with_403_and_nothing_stored(treatment):
    client = Client(enforce_csrf_checks=True)
    response = client.post(comments_url(treatment), form_data())
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    client.get(treatment.get_absolute_url())  # sets the CSRF cookie
    response = client.post(comments_url(treatment), form_data(csrfmiddlewaretoken="x" * 64))
    assert response.status_code == 403
    assert Comment.objects.count() == 0


def test_the_form_with_its_csrf_token_posts_fine_when_checks_are_enforced(treatment):
    client = Client(enforce_csrf_checks=True)
    client.get(treatment.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(comments_url(treatment), form_data(csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("method", ["post", "get"])
def test_a_comment_for_an_unknown_or_draft_page_is_a_404(client, method):
    draft = make_treatment(slug="draft-page", status=PublicationStatus.DRAFT)
    for url in ["/treatments/no-such-page/comments/", "/conditions/no-such-page/comments/", comments_url(draft)]:
        assert getattr(client, method)(url, form_data()).status_code == 404
    assert Comment.objects.count() == 0


def test_a_reply_to_a_comment_on_another_page_is_refused(client, treatment):
    elsewhere = make_comment(make_condition())
    response = client.post(comments_url(treatment), form_data(parent=elsewhere.pk))
    assert response.status_code == 200
    assert "not open for replies on this page" in response.content.decode()
    assert Comment.objects.count() == 1


def test_after_a_refused_reply_the_form_is_shown_again_as_a_new_comment(client, treatment):
    elsewhere = make_comment(make_condition())
    response = client.post(comments_url(treatment), form_data(parent=elsewhere.pk))
    html = response.content.decode()
    assert 'name="parent" id="id_parent"' in html or 'name="parent" value=""' in html
    assert f'name="parent" value="{elsewhere.pk}"' not in html
    assert "Leave a comment or ask a question" in html
    assert client.post(comments_url(treatment), form_data()).status_code == 302


def test_a_reply_with_an_error_is_shown_again_under_its_thread_still_as_a_reply(client, treatment):
    parent = make_comment(treatment, author_name="Kim")
    response = client.post(comments_url(treatment), form_data(parent=parent.pk, email="wrong"))
    html = response.content.decode()
    assert "Reply to <bdi>Kim</bdi>" in html
    assert f'name="parent" value="{parent.pk}"' in html
    assert html.index("Reply to <bdi>Kim</bdi>") > html.index(f'id="comment-{parent.pk}"')


@pytest.mark.parametrize("status", [CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.SPAM])
def test_a_reply_to_an_unpublished_comment_is_refused(client, treatment, status):
    parent = make_comment(treatment, status=status)
    response = client.post(comments_url(treatment), form_data(parent=parent.pk))
    assert response.status_code == 200
    assert "not open for replies on this page" in response.content.decode()
    assert Comment.objects.count() == 1


# --- Spam defences ---------------------------------------------------------------------------------


def test_a_filled_honeypot_looks_like_success_to_the_bot_but_stores_and_sends_nothing(
    client, treatment, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(comments_url(treatment), form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == "/treatments/fractional-laser/#comments"
    assert Comment.objects.count() == 0
    assert mailoutbox == []


def test_the_honeypot_is_hidden_from_sight_keyboard_screen_readers_and_autofill(client, treatment):
    html = client.get(treatment.get_absolute_url()).content.decode()
    field = html.index('name="website"')
    own_div = html.rindex("<div", 0, field)
    wrapper = html.rindex("<div", 0, own_div)
    assert 'class="visually-hidden"' in html[wrapper:field]
    assert 'aria-hidden="true"' in html[wrapper:field]
    tag = html[html.rindex("<input", 0, field) : html.index(">", field)]
    assert 'tabindex="-1"' in tag
    assert 'autocomplete="off"' in tag


def test_a_post_sooner_than_a_person_could_type_is_refused(client, treatment, settings):
    settings.COMMENT_MIN_SECONDS_TO_POST = 3
    response = client.post(comments_url(treatment), form_data(shown_at=sign_form_time()))
    assert response.status_code == 200
    assert "faster than a person can type" in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_post_after_the_minimum_time_is_accepted(client, treatment, settings):
    settings.COMMENT_MIN_SECONDS_TO_POST = 3
    response = client.post(comments_url(treatment), form_data(shown_at=sign_form_time(time.time() - 4)))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "token",
    [
        None,  # missing
        "",
        "not-a-token",
        signing.dumps(time.time() - 60, salt="some.other.salt"),  # signed for something else
        signing.dumps("yesterday", salt=FORM_TIME_SALT),  # not a time
    ],
)
def test_a_missing_or_forged_form_time_is_refused(client, treatment, token):
    response = client.post(comments_url(treatment), form_data(shown_at=token))
    assert response.status_code == 200
    assert "We could not check this form" in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_tampered_form_time_is_refused(client, treatment):
    token = sign_form_time(time.time() - 60)
    value, signature = token.split(":", 1)
    forged = sign_form_time(time.time() - 3600).split(":", 1)[0] + ":" + signature
    response = client.post(comments_url(treatment), form_data(shown_at=forged))
    assert response.status_code == 200
    assert "We could not check this form" in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_form_left_open_for_days_must_be_sent_again_and_gets_a_fresh_time(client, treatment, settings):
    settings.COMMENT_FORM_MAX_AGE_SECONDS = 3600
    response = client.post(comments_url(treatment), form_data(shown_at=sign_form_time(time.time() - 7200)))
    assert response.status_code == 200
    assert "open for a long time" in response.content.decode()
    assert Comment.objects.count() == 0
    fresh = response.context["comment_section"]["form"].data["shown_at"]
    assert signing.loads(fresh, salt=FORM_TIME_SALT) > time.time() - 5


def test_a_client_posting_too_often_gets_a_clear_429_page(client, treatment, settings):
    settings.COMMENT_RATE_LIMIT = 3
    for n in range(3):
        assert client.post(comments_url(treatment), form_data(body=f"Comment {n}")).status_code == 302
    response = client.post(comments_url(treatment), form_data(body="One too many"))
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert response["Retry-After"] == str(settings.COMMENT_RATE_WINDOW_SECONDS)
    assert Comment.objects.count() == 3
    # Another client is not affected.
    other = client.post(comments_url(treatment), form_data(body="From elsewhere"), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302


def test_the_same_comment_twice_on_a_page_within_a_day_is_refused_with_a_form_error(client, treatment):
    assert client.post(comments_url(treatment), form_data()).status_code == 302
    response = client.post(comments_url(treatment), form_data(author_name="Robin again"))
    assert response.status_code == 200
    assert "already posted on this page in the last day" in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_comment_full_of_links_is_held_as_spam_but_the_poster_sees_the_usual_message(client, treatment):
    body = "Buy now https://spam.example/a https://spam.example/b https://spam.example/c"
    response = client.post(comments_url(treatment), form_data(body=body), follow=True)
    assert "once a moderator approves it" in response.content.decode()
    assert Comment.objects.get().status == CommentStatus.SPAM


def test_a_comment_with_a_phone_number_is_held_for_a_moderator_with_the_reason(client, treatment, settings):
    settings.COMMENTS_HELD_FOR_MODERATION = False
    client.post(comments_url(treatment), form_data(body="Please call me back on 020 7946 0958"))
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    assert "phone number" in comment.held_reason


@pytest.mark.parametrize(
    ("extra", "thanks"),
    [
        ({}, "Your comment will appear"),
        ({"is_question": "on"}, "Your question will appear"),
        ({"reply": True}, "Your reply will appear"),
    ],
)
def test_the_thanks_names_what_was_posted(client, treatment, extra, thanks):
    if extra.pop("reply", False):
        extra["parent"] = make_comment(treatment).pk
    response = client.post(comments_url(treatment), form_data(**extra), follow=True)
    assert thanks in response.content.decode()
