"""The calendar invite (RFC 5545) for a confirmed consultation."""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.ics import consultation_invite, escape_text, fold, vtimezone_lines
from tests.bookings.conftest import confirm, make_clinician, make_treatment, submit

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def unfold(text):
    return text.replace("\r\n ", "")


def properties(text):
    """The content lines of the VEVENT itself (not of its alarms), unfolded, as
    {name-with-parameters: value}."""
    event = unfold(text).split("BEGIN:VEVENT\r\n", 1)[1].split("END:VEVENT", 1)[0]
    event = re.sub(r"BEGIN:VALARM\r\n.*?END:VALARM\r\n", "", event, flags=re.S)
    return dict(line.split(":", 1) for line in event.split("\r\n") if line)


def confirmed_at(local_start, **fields):
    return confirm(submit(**fields), start=local_start, clinician=make_clinician(name="Dr Imogen Sample"))


def test_the_invite_is_a_calendar_with_one_event_and_every_required_property(client, settings):
    start = datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON)  # winter: GMT
    request = confirmed_at(start)
    text = client.get(request.invite_path()).content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 1
    event = properties(text)
    assert event["UID"] == f"{request.reference}@{urlsplit(settings.SITE_URL).hostname}"
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
    assert event[f"DTSTART;TZID={settings.TIME_ZONE}"] == start.strftime("%Y%m%dT100000")
    assert event[f"DTEND;TZID={settings.TIME_ZONE}"] == start.strftime("%Y%m%dT103000")
    assert event["SUMMARY"] == "Consultation at Larchfield Skin Clinic"
    assert event["LOCATION"] == "14 Larch Row\\, London N1 7QX"
    assert "Dr Imogen Sample" in event["DESCRIPTION"]


def test_the_uid_stays_the_same_so_calendars_update_rather_than_duplicate(client):
    request = confirmed_at(datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON))
    first = properties(client.get(request.invite_path()).content.decode())["UID"]
    second = properties(client.get(request.invite_path()).content.decode())["UID"]
    assert first == second


def test_every_line_ends_in_crlf_and_none_is_longer_than_75_octets(client, settings):
    settings.CLINIC_ADDRESS = "Unit 4, The Old Larch Works; 14 Larch Row, Islington, London N1 7QX, United Kingdom"
    request = confirmed_at(datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON))
    raw = client.get(request.invite_path()).content
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # the long location was folded
    assert properties(raw.decode())["LOCATION"] == (
        "Unit 4\\, The Old Larch Works\\; 14 Larch Row\\, Islington\\, London N1 7QX\\, United Kingdom"
    )


def test_a_summer_consultation_carries_british_summer_time():
    start = datetime(timezone.localdate().year + 1, 7, 13, 14, 30, tzinfo=LONDON)
    text = unfold(consultation_invite(confirmed_at(start)))
    assert "DTSTART;TZID=Europe/London:" + start.strftime("%Y%m%dT143000") in text
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n" in text
    assert "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100" in text
    assert "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000" in text


def test_the_time_zone_definition_matches_the_real_clock_changes():
    lines = vtimezone_lines("Europe/London", datetime(2027, 6, 1, tzinfo=UTC))
    text = "\r\n".join(lines)
    # Clocks go forward at 01:00 GMT on the last Sunday of March, back at 02:00 BST in October.
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20270328T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100" in text
    assert "BEGIN:STANDARD\r\nDTSTART:20271031T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000" in text
    assert text.count("BEGIN:") == text.count("END:")


def test_a_time_zone_without_clock_changes_still_gets_a_definition():
    lines = vtimezone_lines("Asia/Kolkata", datetime(2027, 6, 1, tzinfo=UTC))
    assert "TZOFFSETTO:+0530" in lines
    assert lines[0] == "BEGIN:VTIMEZONE" and lines[-1] == "END:VTIMEZONE"


def test_the_invite_carries_no_health_details():
    treatment = make_treatment(title="Fractional laser")
    request = confirmed_at(
        datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON),
        treatments=[treatment],
        help_with="Cystic acne scarring",
        isotretinoin_recent="yes",
    )
    text = unfold(consultation_invite(request)).lower()
    for detail in ["fractional", "cystic", "acne", "isotretinoin", request.email.lower(), request.token.lower()]:
        assert detail not in text


@pytest.mark.parametrize(
    "raw, escaped",
    [
        ("a,b", "a\\,b"),
        ("a;b", "a\\;b"),
        ("a\\b", "a\\\\b"),
        ("line one\nline two", "line one\\nline two"),
        ("line one\r\nline two", "line one\\nline two"),
        ("Zoë's clinic", "Zoë's clinic"),
    ],
)
def test_text_values_are_escaped(raw, escaped):
    assert escape_text(raw) == escaped


def test_folding_never_splits_a_character_and_unfolds_to_the_original():
    line = "DESCRIPTION:" + "Zoë Łukasz 李小龍 " * 12
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    for part in parts:
        part.encode().decode()  # every chunk is whole UTF-8
    assert unfold(folded) == line


def test_a_short_line_is_not_folded():
    assert fold("SUMMARY:Consultation") == "SUMMARY:Consultation"


def test_the_emailed_invite_names_organiser_and_attendee_with_safely_quoted_names():
    request = confirmed_at(
        datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON),
        full_name='Zoë "Zo" O\'Brien; Jr, MD',
        email="zoe@example.com",
    )
    text = consultation_invite(request, method="REQUEST")
    assert "METHOD:REQUEST" in text
    event = properties(text)
    attendee = next(key for key in event if key.startswith("ATTENDEE"))
    assert attendee == 'ATTENDEE;CN="Zoë Zo O\'Brien; Jr, MD";ROLE=REQ-PARTICIPANT;RSVP=FALSE'
    assert event[attendee] == "mailto:zoe@example.com"
    assert any(key.startswith("ORGANIZER;CN=") for key in event)


def test_the_downloaded_invite_names_no_attendee_and_a_cancellation_says_cancelled():
    request = confirmed_at(datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON))
    assert "ATTENDEE" not in consultation_invite(request)
    cancelled = consultation_invite(request, method="CANCEL")
    assert "METHOD:CANCEL" in cancelled and "STATUS:CANCELLED" in cancelled


def test_an_unknown_method_is_refused():
    request = confirmed_at(datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON))
    with pytest.raises(ValueError):
        consultation_invite(request, method="PUBLISH\r\nX-EVIL:1")
