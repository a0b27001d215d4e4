"""A calendar invite (RFC 5545) for a confirmed consultation, written by hand.

Small enough not to need a library: text values are escaped (3.3.11), lines
are folded at 75 octets without splitting a UTF-8 character (3.1), every line
ends in CRLF, and the start carries its time zone with the VTIMEZONE that a
TZID requires (3.6.5), built from the zoneinfo database for the years around
the consultation. Nothing about the patient's health goes in: the summary
names the clinic only.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

CRLF = "\r\n"
MAX_LINE_OCTETS = 75


def escape_text(value):
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line):
    """Split a content line into chunks of at most 75 octets, continuation lines
    starting with one space, never inside a multi-byte character."""
    chunks = []
    current = ""
    limit = MAX_LINE_OCTETS
    for char in line:
        if len((current + char).encode()) > limit:
            chunks.append(current)
            current = char
            limit = MAX_LINE_OCTETS - 1  # the leading space counts
        else:
            current += char
    chunks.append(current)
    return (CRLF + " ").join(chunks)


def _utc_stamp(moment):
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local_stamp(moment):
    return moment.strftime("%Y%m%dT%H%M%S")


def _offset(delta):
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


def _transitions(zone, start, end):
    """UTC offset changes of `zone` between two UTC instants: (instant, before, after)."""
    found = []
    day = timedelta(days=1)
    moment = start
    before = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + day
        after = following.astimezone(zone).utcoffset()
        if after != before:
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            found.append((high.replace(second=0, microsecond=0), before, after))
            before = after
        moment = following
    return found


def vtimezone_lines(zone_name, around):
    """A VTIMEZONE for `zone_name`, with the offset changes in the years around `around`."""
    zone = ZoneInfo(zone_name)
    start = datetime(around.year - 1, 1, 1, tzinfo=UTC)
    end = datetime(around.year + 2, 1, 1, tzinfo=UTC)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone_name}"]
    transitions = _transitions(zone, start, end)
    if not transitions:
        offset = _offset(start.astimezone(zone).utcoffset())
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            "END:STANDARD",
        ]
    for instant, before, after in transitions:
        kind = "DAYLIGHT" if (instant + timedelta(hours=1)).astimezone(zone).dst() else "STANDARD"
        name = (instant + timedelta(hours=1)).astimezone(zone).tzname()
        lines += [
            f"BEGIN:{kind}",
            # An observance starts at the local time of the offset it replaces.
            f"DTSTART:{_local_stamp((instant + before).replace(tzinfo=None))}",
            f"TZOFFSETFROM:{_offset(before)}",
            f"TZOFFSETTO:{_offset(after)}",
            *([f"TZNAME:{escape_text(name)}"] if name else []),
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def _param(value):
    """A quoted parameter value (RFC 5545 3.2): no quotes or control characters inside."""
    cleaned = "".join(char for char in str(value) if char >= " " and char not in '"\x7f')
    return f'"{cleaned}"'


def invite_sequence(request):
    """The invite's SEQUENCE: 0 for the first booking, one more for each move (and for
    a cancellation), so calendars replace the event rather than keep the old one."""
    bookings = request.status_changes.filter(to_status="confirmed").count()
    return max(bookings - 1, 0) + (1 if request.status == "cancelled" else 0)


# When the patient's calendar reminds them: the day before, and two hours before.
ALARM_TRIGGERS = ["-P1D", "-PT2H"]


def alarm_lines():
    """VALARM components (RFC 5545 3.6.6): a reminder on the patient's own device,
    whatever their email does. Names the clinic only."""
    lines = []
    for trigger in ALARM_TRIGGERS:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(f'Consultation at {settings.CLINIC_NAME}')}",
            f"TRIGGER:{trigger}",
            "END:VALARM",
        ]
    return lines


def consultation_invite(request, *, now=None, method="PUBLISH"):
    """The .ics text for a request with a confirmed start and clinician.

    `method` is PUBLISH for the file the patient downloads, REQUEST for the invite
    attached to the confirmation email (with the clinic as organiser and the patient
    as attendee, as RFC 5546 requires), CANCEL for the one attached when a booked
    consultation is cancelled."""
    if method not in {"PUBLISH", "REQUEST", "CANCEL"}:
        raise ValueError(f"Unknown iTIP method {method!r}")
    zone_name = settings.TIME_ZONE
    zone = ZoneInfo(zone_name)
    start = request.confirmed_start.astimezone(zone)
    end = request.confirmed_end.astimezone(zone)
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    description = (
        f"Your consultation at {settings.CLINIC_NAME}, reference {request.reference}, "
        f"with {request.clinician}. To change or cancel it, phone {settings.CLINIC_PHONE}."
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{escape_text(settings.CLINIC_NAME)}//Consultations//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        *vtimezone_lines(zone_name, start),
        "BEGIN:VEVENT",
        f"UID:{request.reference}@{host}",
        f"DTSTAMP:{_utc_stamp(now or timezone.now())}",
        f"DTSTART;TZID={zone_name}:{_local_stamp(start)}",
        f"DTEND;TZID={zone_name}:{_local_stamp(end)}",
        f"SEQUENCE:{invite_sequence(request)}",
        f"SUMMARY:{escape_text(f'Consultation at {settings.CLINIC_NAME}')}",
        f"LOCATION:{escape_text(settings.CLINIC_ADDRESS)}",
        f"DESCRIPTION:{escape_text(description)}",
        *(
            [
                f"ORGANIZER;CN={_param(settings.CLINIC_NAME)}:mailto:{settings.CLINIC_EMAIL}",
                f"ATTENDEE;CN={_param(request.full_name)};ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{request.email}",
            ]
            if method != "PUBLISH"
            else []
        ),
        "STATUS:CANCELLED" if method == "CANCEL" else "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        *(alarm_lines() if method != "CANCEL" else []),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines)
