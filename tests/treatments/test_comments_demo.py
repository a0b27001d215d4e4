"""The demo comments that load_demo_content adds."""

import pytest
from django.core.management import call_command

from staff import demo as staff_demo
from tests.factories import make_clinician, make_treatment
from treatments import demo
from treatments.models import Comment, CommentStatus

pytestmark = pytest.mark.django_db


def test_the_demo_adds_patient_comments_and_answered_questions_once(client):
    call_command("load_demo_content", stdout=None)
    comments = Comment.objects.all()
    assert comments.filter(clinician__isnull=True).count() == 4
    assert comments.filter(clinician__isnull=False).count() == 2
    assert set(comments.values_list("status", flat=True)) == {CommentStatus.APPROVED}
    assert Comment.objects.unanswered_questions().count() == 0

    faster = Comment.objects.get(page__condition__slug="ice-pick-scars", is_question=True)
    answer = faster.replies.get()
    assert answer.clinician.name in {c["name"] for c in staff_demo.CLINICIANS}
    assert "/treatments/compare/?t=microneedling&t=fractional-laser" in answer.body
    page = client.get("/conditions/ice-pick-scars/").content.decode()
    assert 'href="/treatments/compare/?t=microneedling&amp;t=fractional-laser"' in page
    assert "Clinic answer" in page

    before = list(Comment.objects.order_by("pk").values())
    call_command("load_demo_content", stdout=None)
    assert list(Comment.objects.order_by("pk").values()) == before


def test_demo_comments_skip_pages_that_do_not_exist():
    make_treatment(slug="microneedling")
    make_clinician(name="Nadia Petrov")
    assert demo.load_comments() == {"comments": 3}
    assert set(Comment.objects.values_list("page__treatment__slug", flat=True)) == {"microneedling"}
    assert demo.load_comments() == {"comments": 0}
