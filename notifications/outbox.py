"""Recording emails: the one way the site sends email.

- `record(kind, about=..., to=...)` is called inside the transaction of the change
  the email reports; it only writes the outbox row and queues a task for the
  worker (notifications.tasks.send_email, which delivers it), so a request is
  answered at once even when the mail server hangs.
- `send_again(emails)` is staff's "send again" from admin.
"""

from django.db import transaction
from django.utils import timezone

from notifications import kinds
from notifications.models import Email, EmailState
from notifications.tasks import send_email


def record(kind, *, about=None, to="", data=None, key=None):
    """Record an email of `kind` (registered in notifications.kinds) about the model
    instance `about`, to the address `to` (may be "" when the renderer decides),
    with extra `data` (JSON) for the renderer. Call it inside the transaction of the
    change the email reports: nothing is sent if that transaction rolls back.

    With `key` (at most 150 characters), recording is idempotent: a second call with
    the same key returns the first email and queues nothing. Returns the Email, with
    `recorded_now` True when this call recorded it.
    Raises KeyError for a kind no app registered."""
    kinds.get(kind)
    fields = {"kind": kind, "to": to or "", "data": data or {}, "about": about}
    if key:
        email, created = Email.objects.get_or_create(key=key, defaults=fields)
        email.recorded_now = created
        if not created:
            return email
    else:
        email = Email.objects.create(**fields)
        email.recorded_now = True
    _queue(email.pk)
    return email


def record_all(emails):
    """Record several emails at once (one INSERT), each a dict of `record`'s
    keyword arguments without `key`: kind, about, to, data. The same rules as
    `record`; returns the Emails, in the order given."""
    rows = []
    for fields in emails:
        kinds.get(fields["kind"])
        rows.append(
            Email(
                kind=fields["kind"],
                to=fields.get("to") or "",
                data=fields.get("data") or {},
                about=fields.get("about"),
            )
        )
    Email.objects.bulk_create(rows)
    for email in rows:
        email.recorded_now = True
        _queue(email.pk)
    return rows


def _queue(email_id, *, after_commit=True):
    backend = send_email.get_backend()
    if backend.supports_defer or not after_commit:
        # A queue in the database: the task row commits (or rolls back) with the email.
        send_email.enqueue(email_id)
    else:
        # A backend that runs the task at once (tests): only after the change is committed.
        transaction.on_commit(lambda: send_email.enqueue(email_id), robust=True)


def send_again(emails, *, include_sent=False):
    """Staff's "send again" for the Email objects `emails`: a failed, cancelled or
    waiting email is queued again now (its attempts go on counting). With
    `include_sent`, a sent one is copied into a new email (the record of the first
    stays); without, it is left alone. Emails being sent right now are left alone.
    Queues them for the worker (a backend that runs tasks at once sends them now)
    and returns the emails queued, refreshed."""
    queued = []
    with transaction.atomic():
        for email in emails:
            if email.state == EmailState.SENDING:
                continue
            if email.state == EmailState.SENT:
                if not include_sent:
                    continue
                copy = Email.objects.create(
                    kind=email.kind,
                    to=email.to,
                    content_type_id=email.content_type_id,
                    object_id=email.object_id,
                    data=email.data,
                )
                queued.append(copy.pk)
                continue
            again = Email.objects.filter(pk=email.pk).exclude(state__in=[EmailState.SENDING, EmailState.SENT])
            if again.update(state=EmailState.QUEUED, next_attempt_at=timezone.now()):
                queued.append(email.pk)
    for email_id in queued:
        _queue(email_id, after_commit=False)  # staff asked for it: no change of theirs can roll back
    return list(Email.objects.filter(pk__in=queued).order_by("pk"))
