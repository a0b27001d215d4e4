"""A calendar invite (RFC 5545) for a confirmed consultation, built with `icalendar`.

The library escapes text values (3.3.11), folds lines at 75 octets without
splitting a UTF-8 character (3.1), ends every line in CRLF and writes the
VTIMEZONE that the start's TZID requires (3.6.5) from the zoneinfo database.
Nothing about the patient's health goes in: the summary names the clinic only.
"""

from datetime import date, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vCalAddress

from bookings.models import Status

METHODS = {"PUBLISH", "REQUEST", "CANCEL"}

# When the patient's calendar reminds them: the day before, and two hours before.
ALARM_TRIGGERS = [timedelta(days=-1), timedelta(hours=-2)]


def _plain_param(value):
    """A parameter value (such as a CN) without quotes or control characters:
    RFC 5545 3.2 forbids both inside a quoted value, and not every calendar reads
    RFC 6868's caret escapes, so they are dropped rather than encoded."""
    return "".join(char for char in str(value) if char >= " " and char not in '"\x7f')


def invite_sequence(consultation):
    """The invite's SEQUENCE: 0 for the first booking, one more for each move (and for
    a cancellation), so calendars replace the event rather than keep the old one."""
    bookings = consultation.status_changes.filter(to_status=Status.CONFIRMED).count()
    return max(bookings - 1, 0) + (1 if consultation.status == Status.CANCELLED else 0)


def _alarms():
    """VALARM components (RFC 5545 3.6.6): a reminder on the patient's own device,
    whatever their email does. Names the clinic only."""
    for trigger in ALARM_TRIGGERS:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Consultation at {settings.CLINIC_NAME}")
        alarm.add("trigger", trigger)
        yield alarm


def _address(email, name, **params):
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = _plain_param(name)
    address.params.update(params)
    return address


def consultation_invite(consultation, *, now=None, method="PUBLISH"):
    """The .ics text (str, CRLF line ends) for a consultation with a confirmed start and clinician.

    `method` is PUBLISH for the file the patient downloads, REQUEST for the invite
    attached to the confirmation email (with the clinic as organiser and the patient
    as attendee, as RFC 5546 requires), CANCEL for the one attached when a booked
    consultation is cancelled. Raises ValueError for any other method. `now` (an
    aware datetime, default the current time) is the DTSTAMP."""
    if method not in METHODS:
        raise ValueError(f"Unknown iTIP method {method!r}")
    zone = ZoneInfo(settings.TIME_ZONE)
    start = consultation.confirmed_start.astimezone(zone)
    host = urlsplit(settings.SITE_URL).hostname or "localhost"

    event = Event()
    event.add("uid", f"{consultation.reference}@{host}")
    event.add("dtstamp", now or timezone.now())
    event.add("dtstart", start)
    event.add("dtend", consultation.confirmed_end.astimezone(zone))
    event.add("sequence", invite_sequence(consultation))
    event.add("summary", f"Consultation at {settings.CLINIC_NAME}")
    event.add("location", settings.CLINIC_ADDRESS)
    event.add(
        "description",
        f"Your consultation at {settings.CLINIC_NAME}, reference {consultation.reference}, "
        f"with {consultation.clinician}. To change or cancel it, phone {settings.CLINIC_PHONE}.",
    )
    if method != "PUBLISH":
        event.add("organizer", _address(settings.CLINIC_EMAIL, settings.CLINIC_NAME))
        event.add(
            "attendee", _address(consultation.email, consultation.full_name, role="REQ-PARTICIPANT", rsvp="FALSE")
        )
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if method != "CANCEL":
        for alarm in _alarms():
            event.add_component(alarm)

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Consultations//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(event)
    # The clock changes in the years around the consultation, as before: enough for
    # any calendar to place it, without fifty years of history in every invite.
    calendar.add_missing_timezones(first_date=date(start.year - 1, 1, 1), last_date=date(start.year + 2, 1, 1))
    return calendar.to_ical().decode()
