"""How comments show under a page: order, count, replies and clinic answers,
escaping of hostile text, privacy of email addresses, pagination and the
fixed number of SQL queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import make_clinician, make_comment, make_condition, make_treatment
from treatments.models import Comment, CommentStatus, PublicationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def treatment():
    return make_treatment(title="Microneedling", slug="microneedling")


def comments_html(client, page, **params):
    response = client.get(page.get_absolute_url(), params)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<section id="comments"')
    return html[start : html.index("</section>", start)]


def test_approved_comments_are_listed_oldest_first_with_a_count_name_and_date(client, treatment):
    now = timezone.now()
    newer = make_comment(treatment, author_name="Second", body="Newer comment")
    older = make_comment(treatment, author_name="First", body="Older comment")
    Comment.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=3))
    Comment.objects.filter(pk=newer.pk).update(created_at=now - timedelta(days=1))
    for status in (CommentStatus.PENDING, CommentStatus.REJECTED, CommentStatus.SPAM):
        make_comment(treatment, body=f"Hidden {status}", status=status)
    make_comment(make_treatment(), body="On another page")

    html = comments_html(client, treatment)
    assert "2 comments" in html
    assert html.index("Older comment") < html.index("Newer comment")
    assert "First" in html and "Second" in html
    assert (now - timedelta(days=3)).strftime("%Y-%m-%d") in html  # <time datetime=...>
    assert "Hidden" not in html
    assert "On another page" not in html


def test_a_page_without_comments_invites_questions(client, treatment):
    html = comments_html(client, treatment)
    assert "No comments yet" in html
    assert 'id="comment-form"' in html


def test_email_addresses_never_appear_in_the_page_source(client, treatment):
    make_comment(treatment, email="secret.patient@example.com", notify_on_reply=True)
    make_comment(treatment, email="other.secret@example.com", status=CommentStatus.PENDING)
    response = client.get(treatment.get_absolute_url())
    assert b"secret.patient@example.com" not in response.content
    assert b"other.secret@example.com" not in response.content
    assert b"secret" not in response.content


def test_replies_sit_under_their_comment_and_a_clinic_answer_shows_the_clinician_and_a_badge(client, treatment):
    clinician = make_clinician(name="Dr Ada Fenwick", credentials="MBBS, MD (Dermatology)")
    question = make_comment(treatment, author_name="Asker", body="Which works faster?", is_question=True)
    other = make_comment(treatment, author_name="Other", body="A later top-level comment")
    make_comment(treatment, parent=question, author_name="Helper", body="Patient reply")
    make_comment(treatment, parent=question, author_name="Dr Ada Fenwick", body="Clinic reply", clinician=clinician)
    make_comment(treatment, parent=question, body="Pending reply", status=CommentStatus.PENDING)
    Comment.objects.filter(pk=other.pk).update(created_at=timezone.now() + timedelta(minutes=5))

    html = comments_html(client, treatment)
    assert "1 question, 1 comment, 1 reply and 1 clinic answer" in html
    thread = html[html.index(f'id="comment-{question.pk}"') : html.index(f'id="comment-{other.pk}"')]
    assert "Patient reply" in thread and "Clinic reply" in thread
    assert "Pending reply" not in html
    assert "Dr Ada Fenwick" in thread and "MBBS, MD (Dermatology)" in thread
    assert "Clinic answer" in thread
    assert "Question · answered" in thread
    assert thread.index("Patient reply") < thread.index("Clinic reply")


def test_an_unanswered_question_is_marked_as_a_question_but_not_answered(client, treatment):
    make_comment(treatment, is_question=True, body="Can I wear make-up?")
    make_comment(treatment, parent=Comment.objects.get(), body="Wondering too")  # a patient, not the clinic
    html = comments_html(client, treatment)
    assert ">Question<" in html
    assert "answered" not in html
    assert "Clinic answer" not in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert('x')</script>",
        '<img src=x onerror="alert(1)">',
        '"><svg onload=alert(1)>',
        '<a href="javascript:alert(1)">click</a>',
        "</textarea><script>alert(2)</script>",
    ],
)
def test_hostile_text_is_shown_escaped_as_plain_text(client, treatment, hostile):
    make_comment(treatment, author_name=hostile[:80], body=f"Before\n{hostile}\nAfter")
    response = client.get(treatment.get_absolute_url())
    html = response.content.decode()
    assert hostile not in html
    escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&quot;").replace("'", "&#x27;")
    assert f"Before<br>{escaped}<br>After" in html
    assert "<script>alert" not in html


def test_template_syntax_in_a_comment_is_shown_as_typed_and_never_run(client, treatment):
    make_comment(treatment, author_name="{{ request.user }}", body="{% debug %} {{ settings.SECRET_KEY }}")
    html = comments_html(client, treatment)
    assert "{{ request.user }}" in html
    assert "{% debug %} {{ settings.SECRET_KEY }}" in html


def test_links_written_by_patients_are_not_made_clickable(client, treatment):
    make_comment(treatment, body="See https://example.com/page and www.example.org and /treatments/compare/")
    html = comments_html(client, treatment)
    assert "https://example.com/page" in html
    assert 'href="https://example.com/page"' not in html
    assert 'href="/treatments/compare/"' not in html


def test_paths_on_this_site_in_a_clinic_answer_become_links_and_nothing_else_does(client, treatment):
    make_treatment(title="Fractional laser", slug="fractional-laser")
    clinician = make_clinician()
    question = make_comment(treatment, is_question=True)
    make_comment(
        treatment,
        parent=question,
        clinician=clinician,
        body="Compare them at /treatments/compare/?t=microneedling&t=fractional-laser.\n"
        "Not https://example.com/x or <b>bold</b>.",
    )
    html = comments_html(client, treatment)
    link = "/treatments/compare/?t=microneedling&amp;t=fractional-laser"
    assert f'<a href="{link}">Microneedling and Fractional laser compared</a>.<br>' in html
    assert 'href="https://example.com/x"' not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_the_form_has_the_notes_on_privacy_medical_advice_and_urgent_symptoms(client, treatment):
    html = comments_html(client, treatment)
    assert "comments are public" in html
    assert "not personal medical advice" in html
    assert "urgent symptoms" in html and "999" in html
    for label in ["Display name", "Email", "Your comment or question", "Notify me when the clinic replies"]:
        assert label in html
    assert "This is a question for the clinic" in html
    assert "<script" not in html and " onclick=" not in html


def test_comments_on_a_condition_page_show_there(client):
    condition = make_condition(slug="ice-pick-scars")
    make_comment(condition, body="Condition page comment")
    assert "Condition page comment" in comments_html(client, condition)


# --- Pagination ---------------------------------------------------------------------------------


def make_threads(page, count, *, replies_each=0):
    start = timezone.now() - timedelta(days=count + 1)
    threads = []
    for n in range(count):
        comment = make_comment(page, body=f"Thread {n:03d}.")
        Comment.objects.filter(pk=comment.pk).update(created_at=start + timedelta(hours=n))
        comment.refresh_from_db()
        for r in range(replies_each):
            make_comment(page, parent=comment, body=f"Reply {r} to thread {n:03d}.")
        threads.append(comment)
    return threads


def test_more_than_50_comments_are_paginated_with_stable_urls_and_rel_links(client, treatment):
    threads = make_threads(treatment, 120)
    # A reply written today to an old thread stays with it, on page 1.
    make_comment(treatment, parent=threads[3], body="Late reply to thread 003.")

    first = comments_html(client, treatment)
    assert "120 comments and 1 reply" in first
    assert "Thread 000." in first and "Thread 049." in first and "Thread 050." not in first
    assert "Late reply to thread 003." in first
    assert 'rel="next" href="/treatments/microneedling/?comments_page=2#comments"' in first
    assert 'rel="prev"' not in first

    second = comments_html(client, treatment, comments_page=2)
    assert "Thread 050." in second and "Thread 099." in second and "Thread 049." not in second
    assert 'rel="prev" href="/treatments/microneedling/#comments"' in second
    assert 'rel="next" href="/treatments/microneedling/?comments_page=3#comments"' in second

    third = comments_html(client, treatment, comments_page=3)
    assert "Thread 119." in third and 'rel="next"' not in third
    assert 'rel="prev" href="/treatments/microneedling/?comments_page=2#comments"' in third


@pytest.mark.parametrize("number", ["4", "0", "-1", "abc", "1.5", "9" * 30])
def test_a_page_of_comments_that_does_not_exist_is_a_404(client, treatment, number):
    make_threads(treatment, 120)
    assert client.get(treatment.get_absolute_url(), {"comments_page": number}).status_code == 404


def test_a_comments_link_points_at_the_page_of_comments_that_shows_it(treatment):
    threads = make_threads(treatment, 60)
    assert threads[10].get_absolute_url() == f"/treatments/microneedling/#comment-{threads[10].pk}"
    assert threads[55].get_absolute_url() == f"/treatments/microneedling/?comments_page=2#comment-{threads[55].pk}"
    reply = make_comment(treatment, parent=threads[55])
    assert reply.get_absolute_url() == f"/treatments/microneedling/?comments_page=2#comment-{reply.pk}"


def test_a_reply_link_on_a_later_page_keeps_the_page(client, treatment):
    threads = make_threads(treatment, 60)
    html = comments_html(client, treatment, comments_page=2)
    assert f'href="?comments_page=2&amp;reply_to={threads[55].pk}#comment-form"' in html
    reply_form = comments_html(client, treatment, comments_page=2, reply_to=threads[55].pk)
    assert 'action="/treatments/microneedling/comments/?comments_page=2#comment-form"' in reply_form
    assert f'name="parent" value="{threads[55].pk}"' in reply_form


def test_a_page_with_200_comments_and_replies_costs_the_same_queries_as_one_without(client, treatment, settings):
    settings.PAGE_CACHE_SECONDS = 0  # what rendering costs (cached pages cost none: tests/test_pagecache.py)
    empty = make_treatment(slug="empty")
    make_threads(treatment, 100, replies_each=1)  # 200 comments, 100 of them replies
    clinician = make_clinician()
    Comment.objects.filter(body="Reply 0 to thread 007.").update(clinician=clinician)
    client.get(empty.get_absolute_url())  # warm up anything cached once per process

    with CaptureQueriesContext(connection) as without_comments:
        assert client.get(empty.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as with_comments:
        response = client.get(treatment.get_absolute_url())
    assert "100 comments, 99 replies and 1 clinic answer" in response.content.decode()
    assert len(with_comments) == len(without_comments)
    comment_queries = [q["sql"] for q in with_comments.captured_queries if "treatments_comment" in q["sql"]]
    assert len(comment_queries) == 2


def test_a_staff_preview_of_a_draft_shows_no_comment_form(admin_client):
    draft = make_treatment(slug="draft", status=PublicationStatus.DRAFT)
    response = admin_client.get(draft.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Patients can comment once this page is published." in html
    assert 'id="comment-form"' not in html


@pytest.mark.parametrize(
    ("comments", "summary"),
    [
        ([{"is_question": True}, {"parent": 0, "clinician": True}], "1 question and 1 clinic answer"),
        ([{}], "1 comment"),
        ([{}, {}, {"parent": 0}], "2 comments and 1 reply"),
        ([{"is_question": True}, {"is_question": True}, {"parent": 0}, {"parent": 1}], "2 questions and 2 replies"),
        (
            [{"is_question": True}, {}, {"parent": 0, "clinician": True}, {"parent": 1, "clinician": True}],
            "1 question, 1 comment and 2 clinic answers",
        ),
    ],
)
def test_the_count_says_what_the_comments_are(client, treatment, comments, summary):
    made = []
    for fields in comments:
        fields = dict(fields)
        if "parent" in fields:
            fields["parent"] = made[fields["parent"]]
        if fields.pop("clinician", False):
            fields["clinician"] = make_clinician()
        made.append(make_comment(treatment, **fields))
    html = comments_html(client, treatment)
    assert f'id="comment-count">{summary}</p>' in html


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/treatments/microneedling/", "Microneedling"),
        ("/conditions/ice-pick-scars/", "Ice pick scars"),
        ("/treatments/compare/?t=microneedling&t=fractional-laser", "Microneedling and Fractional laser compared"),
        ("/treatments/", "all treatments"),
        ("/consultations/request/", "the consultation request form"),
        ("/treatments/no-such-page/", "/treatments/no-such-page/"),
        ("/treatments/compare/?t=microneedling&t=nothing", "/treatments/compare/?t=microneedling&amp;t=nothing"),
        ("/not/a/page/", "/not/a/page/"),
    ],
)
def test_a_link_in_a_clinic_answer_is_named_after_the_page_it_opens(client, treatment, path, text):
    make_treatment(title="Fractional laser", slug="fractional-laser")
    make_condition(title="Ice pick scars", slug="ice-pick-scars")
    question = make_comment(treatment, is_question=True)
    make_comment(treatment, parent=question, clinician=make_clinician(), body=f"See {path} for more.")
    html = comments_html(client, treatment)
    assert f'">{text}</a> for more.' in html
