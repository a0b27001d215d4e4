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

from bookings.models import SCREENING_FIELDS, ConsultationRequest
from clinic.text import BIDI_REORDERING

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

COLUMNS = [
    ("Reference", lambda r: r.reference),
    ("Status", lambda r: r.get_status_display()),
    ("Received", lambda r: _when(r.created_at)),
    ("Treatments", lambda r: "; ".join(treatment.title for treatment in r.treatments.all())),
    ("First preferred date", lambda r: r.first_preferred_date.isoformat()),
    ("Second preferred date", lambda r: r.second_preferred_date.isoformat() if r.second_preferred_date else ""),
    ("Preferred time of day", lambda r: r.get_time_of_day_display()),
    ("Consultation", lambda r: _when(r.confirmed_start) if r.confirmed_start else ""),
    ("Clinician", lambda r: r.clinician.name if r.clinician_id else ""),
]
PERSONAL_COLUMNS = [
    ("Name", lambda r: r.full_name),
    ("Email", lambda r: r.email),
    ("Phone", lambda r: r.phone),
    ("Contact by", lambda r: r.get_contact_preference_display()),
]


SCREENING_FLAG_COLUMN = (
    "Screening",
    lambda r: ", ".join(
        label for value, label in [("yes", "a yes"), ("not_sure", "a not sure")] if value in r.screening_flags
    ),
)


def _screening_columns():
    def column(name):
        field = ConsultationRequest._meta.get_field(name)
        return (f"Screening: {field.verbose_name}", lambda r: r._get_FIELD_display(field) if getattr(r, name) else "")

    return [column(name) for name in SCREENING_FIELDS]


def _when(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def spreadsheet_safe(value):
    """The value as text a spreadsheet shows as text, never runs as a formula, and in
    the order it was typed: direction controls kept from before the forms refused
    them are dropped first, so none can hide a formula or reorder a name."""
    text = "" if value is None else str(value)
    text = "".join(char for char in text if char not in BIDI_REORDERING)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def write_requests(requests, out, *, with_personal_details, with_screening_answers=False):
    """Write `requests` (with clinician selected and treatments prefetched) to the file-like `out`.

    Personal columns need `with_personal_details`; the screening answers also
    `with_screening_answers` (clinicians), otherwise only the "Screening" flag column.
    """
    columns = COLUMNS[:1] + (PERSONAL_COLUMNS if with_personal_details else []) + COLUMNS[1:]
    if with_personal_details:
        columns += _screening_columns() if with_screening_answers else [SCREENING_FLAG_COLUMN]
    writer = csv.writer(out)
    writer.writerow([title for title, _ in columns])
    for request in requests:
        writer.writerow([spreadsheet_safe(value(request)) for _, value in columns])
