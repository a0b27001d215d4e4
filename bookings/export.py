"""Consultation requests as CSV that is safe to open in a spreadsheet.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return (or their
full-width forms, which some spreadsheets also read as formulas) is prefixed with
a single quote, so a patient who types `=HYPERLINK(...)` as their name cannot run
a formula on a member of staff's computer (OWASP "CSV injection"). The patient's
message and staff notes are never exported; the screening answers only for a
clinician, while other staff see whether any answer is "yes" or "not sure".
"""

import csv

from django.utils import timezone

from bookings.models import ConsultationRequest
from clinic.personal_data import NOT_PERSONAL, PERSONAL, SCREENING
from clinic.text import BIDI_REORDERING

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# (title, the field or derived property it shows, its value for a request), in the order of the file.
# Which columns a member of staff gets follows ConsultationRequest.personal_data.
COLUMNS = [
    ("Reference", "reference", lambda r: r.reference),
    ("Name", "full_name", lambda r: r.full_name),
    ("Email", "email", lambda r: r.email),
    ("Phone", "phone", lambda r: r.phone),
    ("Contact by", "contact_preference", lambda r: r.get_contact_preference_display()),
    ("Status", "status", lambda r: r.get_status_display()),
    ("Received", "created_at", lambda r: _when(r.created_at)),
    ("Treatments", "treatments", lambda r: "; ".join(treatment.title for treatment in r.treatments.all())),
    ("First preferred date", "first_preferred_date", lambda r: r.first_preferred_date.isoformat()),
    (
        "Second preferred date",
        "second_preferred_date",
        lambda r: r.second_preferred_date.isoformat() if r.second_preferred_date else "",
    ),
    ("Preferred time of day", "time_of_day", lambda r: r.get_time_of_day_display()),
    ("Consultation", "confirmed_start", lambda r: _when(r.confirmed_start) if r.confirmed_start else ""),
    ("Clinician", "clinician", lambda r: r.clinician.name if r.clinician_id else ""),
]
# Whether any answer is "yes" or "not sure": for staff who do not see the answers themselves.
SCREENING_FLAG_COLUMN = (
    "Screening",
    "screening_flags",
    lambda r: ", ".join(
        label for value, label in [("yes", "a yes"), ("not_sure", "a not sure")] if value in r.screening_flags
    ),
)


def _screening_columns():
    def column(name):
        field = ConsultationRequest._meta.get_field(name)
        return (
            f"Screening: {field.verbose_name}",
            name,
            lambda r: getattr(r, f"get_{name}_display")() if getattr(r, name) else "",
        )

    return [column(name) for name in ConsultationRequest.personal_data.screening]


def _when(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def spreadsheet_safe(value):
    """The value as text a spreadsheet shows as text, never runs as a formula, and in
    the order it was typed: direction controls kept from before the forms refused
    them are dropped first, so none can hide a formula or reorder a name."""
    text = "" if value is None else str(value)
    text = "".join(char for char in text if char not in BIDI_REORDERING)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def columns_for(*, with_personal_details, with_screening_answers=False):
    """The columns (see COLUMNS) a member of staff gets: the personal ones with
    `with_personal_details`, the screening answers with `with_screening_answers` too
    (clinicians), who get them in place of the "Screening" flag column."""
    declaration = ConsultationRequest.personal_data
    allowed = {NOT_PERSONAL}
    if with_personal_details:
        allowed |= {PERSONAL, SCREENING} if with_screening_answers else {PERSONAL}
    screening = _screening_columns() if SCREENING in allowed else [SCREENING_FLAG_COLUMN]
    return [column for column in COLUMNS + screening if declaration.kind(column[1]) in allowed]


def write_consultations(consultations, out, *, with_personal_details, with_screening_answers=False):
    """Write `consultations` (ConsultationRequests with clinician selected and treatments
    prefetched) to the file-like `out`, with the columns `columns_for` gives."""
    columns = columns_for(with_personal_details=with_personal_details, with_screening_answers=with_screening_answers)
    writer = csv.writer(out)
    writer.writerow([title for title, _, _ in columns])
    for consultation in consultations:
        writer.writerow([spreadsheet_safe(value(consultation)) for _, _, value in columns])
