"""The calendar invite (RFC 5545) for a confirmed consultation."""

import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.ics import consultation_invite
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


def observances(text):
    """The VTIMEZONE's observances, unfolded: [(kind, {property: value})]."""
    zone = unfold(text).split("BEGIN:VTIMEZONE\r\n", 1)[1].split("END:VTIMEZONE", 1)[0]
    found = re.findall(r"BEGIN:(STANDARD|DAYLIGHT)\r\n(.*?)END:\1", zone, flags=re.S)
    return [(kind, dict(line.split(":", 1) for line in body.split("\r\n") if line)) for kind, body in found]


def onsets(observance):
    """Every date (YYYYMMDD) an observance starts on: its DTSTART and its RDATEs."""
    stamps = [observance["DTSTART"], *observance.get("RDATE", "").split(",")]
    return {stamp[:8] for stamp in stamps if stamp}


def test_the_time_zone_definition_matches_the_real_clock_changes():
    text = consultation_invite(confirmed_at(datetime(2027, 6, 1, 10, 0, tzinfo=LONDON)))
    assert text.count("BEGIN:VTIMEZONE") == 1
    # Clocks go forward on the last Sunday of March, back on the last Sunday of October.
    summer = [fields for kind, fields in observances(text) if kind == "DAYLIGHT"]
    winter = [fields for kind, fields in observances(text) if kind == "STANDARD"]
    assert all((fields["TZOFFSETFROM"], fields["TZOFFSETTO"]) == ("+0000", "+0100") for fields in summer)
    assert "20270328" in set().union(*map(onsets, summer))
    assert "20271031" in set().union(*map(onsets, [f for f in winter if f["TZOFFSETFROM"] == "+0100"]))
    assert all(fields["TZOFFSETTO"] == "+0000" for fields in winter)
    assert text.count("BEGIN:") == text.count("END:")


def test_a_time_zone_without_clock_changes_still_gets_a_definition(settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    text = consultation_invite(confirmed_at(datetime(2027, 6, 1, 10, 0, tzinfo=LONDON)))
    assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Kolkata\r\n" in text
    assert [fields["TZOFFSETTO"] for _kind, fields in observances(text)] == ["+0530"]
    assert properties(text)["DTSTART;TZID=Asia/Kolkata"] == "20270601T143000"


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
def test_text_values_are_escaped(raw, escaped, settings):
    settings.CLINIC_ADDRESS = raw
    request = confirmed_at(datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON))
    assert properties(consultation_invite(request))["LOCATION"] == escaped


def test_folding_never_splits_a_character_and_unfolds_to_the_original(settings):
    settings.CLINIC_ADDRESS = "Zoë Łukasz 李小龍 " * 12
    request = confirmed_at(datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON))
    raw = consultation_invite(request).encode()
    lines = raw.split(b"\r\n")
    location = lines.index(next(line for line in lines if line.startswith(b"LOCATION:")))
    parts = [lines[location]]
    while lines[location + len(parts)].startswith(b" "):
        parts.append(lines[location + len(parts)])
    assert len(parts) > 1 and all(len(part) <= 75 for part in parts)
    for part in parts:
        part.decode()  # every chunk is whole UTF-8
    assert unfold(b"\r\n".join(parts).decode()) == "LOCATION:" + "Zoë Łukasz 李小龍 " * 12


def test_a_short_line_is_not_folded():
    request = confirmed_at(datetime(timezone.localdate().year + 1, 1, 12, 10, 0, tzinfo=LONDON))
    assert "\r\nSUMMARY:Consultation at Larchfield Skin Clinic\r\n" in consultation_invite(request)


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
