"""Sign-off: an edit to the content of a published page waits for a clinician;
the public page keeps its approved content until then. Versions and restore."""

from datetime import date

import pytest
import reversion
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from tests.bookings.conftest import make_staff_member
from tests.conftest import staff_login
from tests.factories import make_clinician, make_faq, make_treatment
from tests.treatments.admin_forms import change_form_data
from treatments.models import FAQ, PageReview, ReviewStatus, Treatment

pytestmark = pytest.mark.django_db


@pytest.fixture
def fenwick():
    return make_clinician(name="Dr Ada Fenwick", user=make_staff_member(group="Clinicians"))


@pytest.fixture
def needling(fenwick):
    page = make_treatment(
        title="Microneedling",
        slug="microneedling",
        downtime_days_min=1,
        downtime_days_max=3,
        author=fenwick,
        medical_reviewer=fenwick,
        reviewed_on=date(2026, 10, 21),
    )
    make_faq(page, question="Does it hurt?", answer="A little, with numbing cream.")
    with reversion.create_revision():
        reversion.add_to_revision(page)  # the version it was published as
    return page


@pytest.fixture
def editor():
    return staff_login(Client(), make_staff_member(group="Editors"))


def change_url(page):
    return reverse("admin:treatments_treatment_change", args=[page.pk])


def edit(client, page, **changes):
    response = client.post(change_url(page), change_form_data(client.get(change_url(page)), **changes), follow=True)
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def decide(client, review, decision):
    url = reverse("admin:treatments_treatment_review", args=[review.page.specific.pk, review.pk, decision])
    return [str(m) for m in client.post(url, follow=True).context["messages"]]


def public(page):
    return Client().get(page.get_absolute_url()).content.decode()


def test_an_editors_change_to_the_facts_waits_and_the_public_page_keeps_the_approved_figures(editor, needling):
    shown = edit(editor, needling, downtime_days_max="2")
    assert any("waiting for medical review" in message for message in shown)
    needling.refresh_from_db()
    assert needling.downtime_days_max == 3
    assert "1–3 days" in public(needling) and "1–2 days" not in public(needling)
    review = PageReview.objects.get()
    assert review.status == ReviewStatus.PENDING
    page = editor.get(change_url(needling)).content.decode()
    assert "Changes awaiting medical review" in page
    assert "Downtime days max" in page
    assert "Only a clinician" in page and "Approve these changes" not in page


def test_the_form_starts_from_the_pending_edit(editor, needling):
    edit(editor, needling, downtime_days_max="2")
    form = editor.get(change_url(needling)).context["adminform"].form
    assert form["downtime_days_max"].value() == 2


def test_metadata_is_exempt_and_saved_at_once(editor, needling):
    edit(editor, needling, meta_description="Tiny needles, collagen, what to expect.")
    needling.refresh_from_db()
    assert needling.meta_description == "Tiny needles, collagen, what to expect."
    assert not PageReview.objects.exists()


def test_an_editor_cannot_approve_and_nothing_changes(editor, needling):
    edit(editor, needling, downtime_days_max="2")
    shown = decide(editor, PageReview.objects.get(), "approve")
    assert any("Only a clinician can approve changes" in message for message in shown)
    needling.refresh_from_db()
    assert needling.downtime_days_max == 3
    assert PageReview.objects.get().status == ReviewStatus.PENDING


def test_a_superuser_not_linked_to_a_clinician_cannot_approve_either(admin_client, editor, needling):
    edit(editor, needling, downtime_days_max="2")
    shown = decide(admin_client, PageReview.objects.get(), "approve")
    assert any("Only a clinician can approve changes" in message for message in shown)


def test_the_clinician_approves_and_the_page_is_reviewed_today_by_them(editor, needling, fenwick, settings):
    settings.MEDICAL_REVIEW_INTERVAL_MONTHS = 6
    edit(editor, needling, downtime_days_max="2")
    clinician = staff_login(Client(), fenwick.user)
    assert "Approve these changes as medical reviewer" in clinician.get(change_url(needling)).content.decode()
    shown = decide(clinician, PageReview.objects.get(), "approve")
    assert "Approved: the page now shows the changes, reviewed today by you." in shown
    needling.refresh_from_db()
    today = timezone.localdate()
    assert needling.downtime_days_max == 2
    assert (needling.medical_reviewer, needling.reviewed_on) == (fenwick, today)
    months = (needling.next_review_due.year - today.year) * 12 + needling.next_review_due.month - today.month
    assert months == 6
    assert "1–2 days" in public(needling)
    assert PageReview.objects.get().status == ReviewStatus.APPROVED


def test_approving_a_stale_edit_after_a_newer_one_is_refused(editor, needling, fenwick):
    edit(editor, needling, downtime_days_max="2")
    edit(editor, needling, downtime_days_min="0")
    older, newer = PageReview.objects.order_by("pk")
    assert (older.status, newer.status) == (ReviewStatus.SUPERSEDED, ReviewStatus.PENDING)
    clinician = staff_login(Client(), fenwick.user)
    shown = decide(clinician, older, "approve")
    assert any("replaced by a newer edit" in message for message in shown)
    needling.refresh_from_db()
    assert (needling.downtime_days_min, needling.downtime_days_max) == (1, 3)
    decide(clinician, newer, "approve")
    needling.refresh_from_db()
    assert (needling.downtime_days_min, needling.downtime_days_max) == (0, 2)  # the newer edit kept the first


def test_an_edit_made_before_the_page_changed_another_way_is_refused(editor, needling, fenwick):
    edit(editor, needling, downtime_days_max="2")
    Treatment.objects.filter(pk=needling.pk).update(summary="Changed by a command.")
    shown = decide(staff_login(Client(), fenwick.user), PageReview.objects.get(), "approve")
    assert any("The page has changed since this edit was made" in message for message in shown)
    needling.refresh_from_db()
    assert needling.downtime_days_max == 3


def test_a_withdrawn_edit_leaves_the_page_as_approved(editor, needling):
    edit(editor, needling, downtime_days_max="2")
    shown = decide(editor, PageReview.objects.get(), "withdraw")
    assert "Withdrawn: the page keeps its approved content." in shown
    assert PageReview.objects.get().status == ReviewStatus.WITHDRAWN
    assert "Changes awaiting medical review" not in editor.get(change_url(needling)).content.decode()


def test_deleting_an_faq_waits_and_restoring_the_old_version_brings_it_back(editor, needling, fenwick):
    clinician = staff_login(Client(), fenwick.user)
    faq = FAQ.objects.get()
    edit(editor, needling, **{"faqs-0-DELETE": "on"})
    assert "Does it hurt?" in public(needling)  # still there until approved
    decide(clinician, PageReview.objects.get(), "approve")
    assert "Does it hurt?" not in public(needling)
    assert not FAQ.objects.exists()

    first = Version.objects.get_for_object(needling).order_by("pk").first()
    history = editor.get(reverse("admin:treatments_treatment_history", args=[needling.pk])).content.decode()
    assert "Changes approved in medical review by Dr Ada Fenwick." in history
    url = reverse("admin:treatments_treatment_revision", args=[needling.pk, first.pk])
    form = editor.get(url)
    assert "FAQ (new)" in form.content.decode()  # what restoring it changes
    response = editor.post(url, change_form_data(form), follow=True)
    assert response.status_code == 200
    assert any("waiting for medical review" in str(m) for m in response.context["messages"])
    decide(clinician, PageReview.objects.filter(status=ReviewStatus.PENDING).get(), "approve")
    restored = FAQ.objects.get()
    assert (restored.pk, restored.question) == (faq.pk, "Does it hurt?")
    assert "Does it hurt?" in public(needling)


def test_every_save_of_a_draft_is_a_version_with_who_and_what(editor, needling):
    needling.status = "draft"
    needling.save()
    edit(editor, needling, summary="First wording.")
    edit(editor, needling, summary="Second wording.")
    versions = Version.objects.get_for_object(needling)
    assert versions.count() == 3
    assert versions.first().field_dict["summary"] == "Second wording."
    assert versions.first().revision.user.groups.filter(name="Editors").exists()


def test_reception_may_look_but_neither_edit_nor_approve(editor, needling):
    edit(editor, needling, downtime_days_max="2")
    reception = staff_login(Client(), make_staff_member(group="Reception"))
    assert reception.post(change_url(needling), {"summary": "Changed"}).status_code == 403
    url = reverse("admin:treatments_treatment_review", args=[needling.pk, PageReview.objects.get().pk, "approve"])
    assert reception.post(url).status_code == 403
    needling.refresh_from_db()
    assert (needling.downtime_days_max, PageReview.objects.get().status) == (3, ReviewStatus.PENDING)


def test_the_page_list_shows_and_filters_pages_awaiting_review(editor, needling):
    make_treatment(title="Fractional laser")
    edit(editor, needling, downtime_days_max="2")
    url = reverse("admin:treatments_treatment_changelist")
    assert editor.get(url).content.decode().count("Awaiting medical review</strong>") == 1
    waiting = editor.get(url, {"changes": "awaiting_review"}).content.decode()
    assert "Microneedling" in waiting and "Fractional laser" not in waiting


def test_a_version_shows_who_saved_it_and_what_it_changed_from_the_one_before(editor, needling):
    needling.status = "draft"
    needling.save()
    edit(editor, needling, summary="First wording.")
    edit(editor, needling, summary="Second wording.")
    latest = Version.objects.get_for_object(needling).first()
    html = editor.get(reverse("admin:treatments_treatment_revision", args=[needling.pk, latest.pk])).content.decode()
    assert "What this save changed from the version before it:" in html
    assert "<del>First wording.</del>" in html and "<ins>Second wording.</ins>" in html
    assert f"by {latest.revision.user.username}" in html


def test_a_browser_posting_the_pages_own_text_with_crlf_changes_nothing_and_waits_for_no_review(editor, fenwick):
    page = make_treatment(
        title="Peel",
        body="## Before\n\nNo retinoids for a week.\n\nDrink water.",
        aftercare="Use sunscreen.\nAvoid heat.",
        side_effects="Redness.\nPeeling.",
        author=fenwick,
        medical_reviewer=fenwick,
        reviewed_on=date(2026, 10, 21),
    )
    make_faq(page, question="Does it sting?", answer="A little.\nIt passes.")
    shown = edit(
        editor,
        page,
        meta_description="What a peel does.",
        body="## Before\r\n\r\nNo retinoids for a week.\r\n\r\nDrink water.",
        aftercare="Use sunscreen.\r\nAvoid heat.",
        side_effects="Redness.\rPeeling.",
        **{"faqs-0-answer": "A little.\r\nIt passes."},
    )
    assert not any("waiting for medical review" in message for message in shown)
    assert not PageReview.objects.exists()
    page.refresh_from_db()
    assert page.meta_description == "What a peel does."
    assert page.body == "## Before\n\nNo retinoids for a week.\n\nDrink water."
    assert page.side_effects == "Redness.\nPeeling."
    assert FAQ.objects.get().answer == "A little.\nIt passes."


def test_an_approved_edit_posted_with_crlf_is_stored_without_carriage_returns(editor, needling, fenwick):
    edit(editor, needling, aftercare="Sunscreen daily.\r\nNo make-up for a day.")
    assert PageReview.objects.get().status == ReviewStatus.PENDING
    decide(staff_login(Client(), fenwick.user), PageReview.objects.get(), "approve")
    needling.refresh_from_db()
    assert needling.aftercare == "Sunscreen daily.\nNo make-up for a day."
