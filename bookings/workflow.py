"""The consultation request workflow, written once: its statuses, the groups of them
the clinic talks about (open, closed), the steps staff take between them and what
patients may do from their status page.

Everything else reads this module: the model's transition check
(`ConsultationRequest.can_transition_to`), the services' guards
(`bookings.services.step_problem`, `patient_step_problem`), admin's buttons, step
pages and list actions (`bookings.admin.workflow`) and the patient's status page. It
imports nothing of the app, so models and services can both import it.
"""

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    NEW = "new", "New"
    IN_REVIEW = "in_review", "In review"
    TIME_PROPOSED = "time_proposed", "Times proposed"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"


@dataclass(frozen=True)
class BulkAction:
    """A step offered as an action on the requests list."""

    description: str  # in the list's action menu
    done: str  # the success message, before the references: "<done>: CR-…, CR-…."
    asks_first: bool = False  # shows the step's form once for all the selected requests, then acts


@dataclass(frozen=True)
class Step:
    """One thing staff do to a request: from which statuses, to which status, under
    which timing rule, through which service, and how admin shows it."""

    name: str  # also the last part of the step page's URL, with - for _
    from_statuses: frozenset  # of Status
    to_status: Status  # the same as the status it starts from when the step keeps it (reschedule)
    service: str  # the function in bookings.services that performs it (keyword-only: consultation, by, …)
    doing: str  # a refusal reads "only requests that are … can be <doing>"
    label: str  # the button on the request's page
    title: str  # the step page's heading; {} is the reference
    submit: str  # the step page's submit button
    done: str  # what staff are told once done; {ref}, and {when} {clinician} (slot) or {times} (slots)
    kind: str = "note"  # what the step page asks for: note, slot (one time), slots (times to offer), decline
    only_after_start: bool = False  # only once the confirmed consultation has begun
    only_before_start: bool = False  # no longer once a confirmed consultation has begun
    danger: bool = False  # shown as a destructive button
    at_once: bool = False  # the button on the request's page acts at once, without the step page
    bulk: BulkAction | None = None

    @property
    def url_name(self):
        return f"bookings_consultationrequest_{self.name}"


# Statuses that still need something from the clinic.
OPEN_STATUSES = frozenset({Status.NEW, Status.IN_REVIEW, Status.TIME_PROPOSED})
# Statuses nothing more happens in: what the retention command may anonymise.
CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.NO_SHOW, Status.DECLINED, Status.CANCELLED})
# Statuses in which a consultation has a time and a clinician.
SCHEDULED_STATUSES = frozenset({Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW})

# In the order admin shows the buttons.
STEPS = [
    Step(
        "start_review",
        frozenset({Status.NEW}),
        Status.IN_REVIEW,
        service="start_review",
        doing="put in review",
        label="Start review",
        title="Start the review of {}",
        submit="Start review",
        done="{ref} is in review.",
        at_once=True,
        bulk=BulkAction("Start review of the selected new requests", "Put in review"),
    ),
    Step(
        "confirm",
        frozenset({Status.IN_REVIEW, Status.TIME_PROPOSED}),
        Status.CONFIRMED,
        service="confirm_request",
        doing="confirmed",
        label="Confirm a time…",
        title="Confirm a time for {}",
        submit="Confirm and email the patient",
        done=(
            "{ref} is confirmed for {when} with {clinician}. "
            "The patient is being emailed the details and a calendar invite."
        ),
        kind="slot",
    ),
    Step(
        "propose",
        frozenset({Status.IN_REVIEW}),
        Status.TIME_PROPOSED,
        service="propose_times",
        doing="offered other times",
        label="Offer other times…",
        title="Offer other times for {}",
        submit="Offer these times and email the patient",
        done="{ref}: {times} offered. The patient is being emailed.",
        kind="slots",
    ),
    Step(
        "reschedule",
        frozenset({Status.CONFIRMED}),
        Status.CONFIRMED,
        service="reschedule_request",
        doing="moved to another time",
        label="Move…",
        title="Move the consultation {}",
        submit="Move it and email the patient",
        done="{ref} is moved to {when} with {clinician}. The patient is being emailed.",
        kind="slot",
        only_before_start=True,
    ),
    Step(
        "back_to_review",
        frozenset({Status.TIME_PROPOSED}),
        Status.IN_REVIEW,
        service="back_to_review",
        doing="taken back into review",
        label="Back to review…",
        title="Take {} back into review",
        submit="Back to review",
        done="{ref} is back in review; the times offered are withdrawn.",
    ),
    Step(
        "decline",
        OPEN_STATUSES,
        Status.DECLINED,
        service="decline_request",
        doing="declined",
        label="Decline…",
        title="Decline {}",
        submit="Decline and email the patient",
        done="{ref} is declined. The patient is being emailed the reason.",
        kind="decline",
        danger=True,
        bulk=BulkAction("Decline the selected requests…", "Declined, patient emailed", asks_first=True),
    ),
    Step(
        "complete",
        frozenset({Status.CONFIRMED}),
        Status.COMPLETED,
        service="complete_request",
        doing="marked completed",
        label="Mark completed…",
        title="Mark {} completed",
        submit="Mark completed",
        done="{ref} is marked completed.",
        only_after_start=True,
        bulk=BulkAction("Mark the selected consultations completed", "Marked completed"),
    ),
    Step(
        "no_show",
        frozenset({Status.CONFIRMED}),
        Status.NO_SHOW,
        service="mark_no_show",
        doing="marked as a no-show",
        label="Mark no-show…",
        title="Mark {} as a no-show",
        submit="Mark as a no-show",
        done="{ref} is marked as a no-show.",
        only_after_start=True,
        bulk=BulkAction("Mark the selected consultations as no-shows", "Marked as no-shows"),
    ),
    Step(
        "cancel",
        OPEN_STATUSES | {Status.CONFIRMED},
        Status.CANCELLED,
        service="cancel_request",
        doing="cancelled",
        label="Cancel…",
        title="Cancel {}",
        submit="Cancel and email the patient",
        done="{ref} is cancelled. The patient is being emailed.",
        only_before_start=True,
        danger=True,
        bulk=BulkAction("Cancel the selected requests…", "Cancelled, patient emailed", asks_first=True),
    ),
]
STEPS_BY_NAME = {step.name: step for step in STEPS}


def in_status_order(statuses):
    """`statuses` as a list in the order Status declares them (for queries, constraints
    and sentences that list them)."""
    return [status for status in Status if status in statuses]


@dataclass(frozen=True)
class PatientStep:
    """One thing a patient does from their status page: from which statuses, to which
    status, through which service (keyword-only: consultation, …)."""

    name: str
    from_statuses: frozenset  # of Status
    to_status: Status
    service: str


PATIENT_STEPS = [
    PatientStep("take_offered_time", frozenset({Status.TIME_PROPOSED}), Status.CONFIRMED, "accept_proposed_time"),
    PatientStep("ask_for_another_time", frozenset({Status.TIME_PROPOSED}), Status.IN_REVIEW, "back_to_review"),
    # A confirmed consultation, only while far enough away (ConsultationRequest.patient_cancellation_problem
    # and patient_reschedule_problem).
    PatientStep("cancel", OPEN_STATUSES | {Status.CONFIRMED}, Status.CANCELLED, "cancel_request"),
    PatientStep("move_appointment", frozenset({Status.CONFIRMED}), Status.CONFIRMED, "reschedule_request"),
]
PATIENT_STEPS_BY_NAME = {step.name: step for step in PATIENT_STEPS}

# The changes of status the steps make, from each status (a step that keeps the status,
# like reschedule, is no change). Phone bookings take the same paths.
ALLOWED_TRANSITIONS = {
    status: {
        step.to_status
        for step in [*STEPS, *PATIENT_STEPS]
        if status in step.from_statuses and step.to_status != status
    }
    for status in Status
}


def bulk_steps():
    """The steps offered as list actions, in the order of the action menu: those that
    act at once first, then those that ask for something first; each group in STEPS' order."""
    return sorted((step for step in STEPS if step.bulk), key=lambda step: step.bulk.asks_first)
