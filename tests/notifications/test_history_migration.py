"""The two old outboxes' history moves into the one outbox (bookings 0013, treatments 0020)."""

from datetime import UTC, datetime

import pytest

from tests.migrating import latest_migrations, migrate

BEFORE = [
    ("notifications", "0001_initial"),
    ("bookings", "0012_reschedule_notice"),
    ("treatments", "0016_clinician_takes_consultations"),
]
AFTER = [("bookings", "0013_delete_notification"), ("treatments", "0020_delete_commentemail")]


# No serialized_rollback: a transactional test before this one (the browser tests)
# leaves content types that the serialized copy would collide with; like the other
# transactional tests, this one leaves an emptied database that later tests fill themselves.
@pytest.mark.django_db(transaction=True)
def test_sent_failed_and_waiting_emails_of_both_old_outboxes_are_kept(settings):
    old = migrate(BEFORE)
    try:
        Request = old.get_model("bookings", "ConsultationRequest")
        Treatment = old.get_model("treatments", "Treatment")
        Comment = old.get_model("treatments", "Comment")
        request = Request.objects.create(
            reference="CR-HIST01", token="t" * 43, full_name="Alex Patient", email="alex@example.com",
            phone="+447911123456", contact_preference="email", help_with="Scars.",
            first_preferred_date="2026-12-01", time_of_day="morning",
            consent_given_at=datetime(2026, 1, 5, tzinfo=UTC),
            idempotency_key="history-migration-key-1",
        )  # fmt: skip
        page = Treatment.objects.create(slug="needling", title="Needling", summary="S.", status="draft")
        comment = Comment.objects.create(treatment=page, author_name="Jo", email="jo@example.com", body="Hurt?")
        at = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
        Notification = old.get_model("bookings", "Notification")
        sent = Notification.objects.create(request=request, kind="acknowledgement", to="alex@example.com", attempts=1)
        failed = Notification.objects.create(
            request=request, kind="new_request_notice", to="reception@example.com", attempts=2,
            error="SMTPRecipientsRefused: {'reception@example.com': (550, b'No such user')}",
        )  # fmt: skip
        Notification.objects.filter(pk=sent.pk).update(created_at=at, sent_at=at)
        Notification.objects.filter(pk=failed.pk).update(failed_at=at)
        old.get_model("treatments", "CommentEmail").objects.create(kind="comment_received", comment=comment)
    finally:
        new = migrate(AFTER)
    Email = new.get_model("notifications", "Email")
    rows = {
        email.kind: (email.state, email.attempts, email.to, email.error, email.object_id)
        for email in Email.objects.all()
    }
    assert rows == {
        "acknowledgement": ("sent", 1, "alex@example.com", "", request.pk),
        "new_request_notice": ("failed", 2, "reception@example.com", "SMTPRecipientsRefused", request.pk),
        "comment_received": ("queued", 0, settings.CLINIC_STAFF_EMAIL, "", comment.pk),
    }
    assert Email.objects.get(kind="acknowledgement").created_at == at
    migrate(latest_migrations())
