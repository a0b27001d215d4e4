"""Staff journeys in a real browser: moderating and answering, confirming a consultation."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENS, sign_in_to_admin

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo_content", stdout=StringIO())
    return live_server


def test_a_question_is_moderated_and_answered_by_a_named_clinician(
    demo_site, new_page, make_staff, settings, screenshot
):
    settings.COMMENT_MIN_SECONDS_TO_POST = 0
    patient = new_page()
    patient.goto(demo_site.url + "/treatments/fractional-laser/")
    patient.get_by_label("Display name").fill("Tomasz")
    patient.get_by_label("Email").fill("tomasz@example.com")
    patient.get_by_label("Your comment or question").fill("How soon after a session can I wear make-up?")
    patient.get_by_label("This is a question for the clinic").check()
    patient.get_by_role("button", name="Post comment").click()
    expect(patient.locator("main")).to_contain_text("once a moderator approves it")
    expect(patient.locator("main")).not_to_contain_text("How soon after a session can I wear make-up?")
    screenshot(patient, "journey2-01-question-awaits-moderation")

    from staff.models import Clinician

    okonjo = make_staff("okonjo", "Clinicians")  # a clinician answers as themselves (their staff account)
    Clinician.objects.filter(name="Dr Rafael Okonjo").update(user=okonjo)
    staff = new_page()
    sign_in_to_admin(staff, demo_site, okonjo)
    staff.get_by_role("link", name="Comments").first.click()
    row = staff.get_by_role("row").filter(has_text="How soon after a session")
    row.get_by_role("checkbox").check()
    staff.get_by_label("Action:").select_option(label="Approve (publish) selected comments")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 comment approved")
    screenshot(staff, "journey2-02-moderation-queue")

    staff.get_by_role("row").filter(has_text="How soon after a session").get_by_role(
        "link", name="Answer as a clinician"
    ).click()
    staff.get_by_label("Answer as:").select_option(label="Dr Rafael Okonjo, MBChB, MRCP (Derm)")
    staff.get_by_label("Answer:", exact=True).fill(
        "Mineral make-up is usually fine from the second day, once the skin has settled."
    )
    screenshot(staff, "journey2-03-answer-form")
    staff.get_by_role("button", name=re.compile("Publish")).click()
    expect(staff.locator(".messagelist")).to_contain_text("Published the answer")

    patient.reload()
    thread = patient.locator("article", has_text="How soon after a session can I wear make-up?").first
    expect(thread).to_contain_text("Mineral make-up is usually fine from the second day")
    expect(thread).to_contain_text("Dr Rafael Okonjo")
    expect(thread).to_contain_text("Clinic answer")
    screenshot(patient, "journey2-04-answer-on-the-page")


def test_reception_confirms_a_request_and_the_patient_gets_the_time_and_an_invite(
    demo_site, new_page, make_staff, screenshot
):
    from bookings.models import ConsultationRequest, Status
    from tests.e2e.test_patient_journeys import fill_consultation_form

    patient = new_page(accept_downloads=True)
    patient.goto(demo_site.url + "/consultations/request/?treatment=microneedling")
    fill_consultation_form(patient, name="Aoife Brennan")
    patient.get_by_role("button", name="Send my request").click()
    reference = patient.locator(".reference").inner_text()
    status_url = patient.locator(".status-link a").get_attribute("href")

    receptionist = make_staff("priya", "Reception")
    staff = new_page()
    sign_in_to_admin(staff, demo_site, receptionist)
    staff.get_by_role("link", name="Consultation requests").first.click()
    screenshot(staff, "journey3-01-request-list")
    staff.get_by_role("link", name=reference).click()
    screenshot(staff, "journey3-02-request")
    staff.get_by_role("button", name="Start review").click()
    staff.get_by_role("link", name="Confirm a time…").click()
    free_slot = staff.locator(".slot-grid input[type=radio]").first
    slot_label = staff.locator(".slot-grid label.slot-choice").first.inner_text()
    free_slot.check()
    screenshot(staff, "journey3-03-confirm-page")
    staff.get_by_role("button", name="Confirm and email the patient").click()
    expect(staff.locator(".messagelist")).to_contain_text("onfirmed")

    consultation = ConsultationRequest.objects.get(reference=reference)
    assert consultation.status == Status.CONFIRMED
    start_time = slot_label.split()[0]
    patient.goto(demo_site.url + status_url)
    appointment = patient.locator("section", has=patient.get_by_role("heading", name="Your appointment"))
    expect(appointment).to_contain_text(start_time)
    expect(appointment).to_contain_text(consultation.clinician.name)
    screenshot(patient, "journey3-04-status-confirmed")
    with patient.expect_download() as download_info:
        patient.get_by_role("link", name=re.compile("Add to my calendar")).click()
    invite = open(download_info.value.path(), encoding="utf-8").read()
    assert invite.startswith("BEGIN:VCALENDAR")
    assert "DTSTART;TZID=" in invite
    assert "UID:" in invite and "DTEND" in invite and "LOCATION:" in invite


def test_an_edit_of_a_published_page_waits_for_and_receives_medical_sign_off(
    demo_site, new_page, make_staff, screenshot
):
    from staff.models import Clinician

    patient = new_page()
    patient.goto(demo_site.url + "/treatments/microneedling/")
    expect(patient.locator("main")).to_contain_text("1–3 days")

    editor = new_page()
    sign_in_to_admin(editor, demo_site, make_staff("morgan", "Editors"))
    editor.goto(demo_site.url + "/admin/treatments/treatment/?q=microneedling")
    editor.get_by_role("link", name="Microneedling", exact=True).click()
    editor.get_by_label("Downtime days max:").fill("2")
    editor.get_by_role("button", name="Save and continue editing").first.click()
    expect(editor.locator(".messagelist")).to_contain_text("waiting for medical review")
    expect(editor.locator(".medical-review")).to_contain_text("Downtime days max")
    screenshot(editor, "journey5-01-edit-awaits-medical-review")

    patient.reload()
    expect(patient.locator("main")).to_contain_text("1–3 days")  # the approved figures until sign-off

    hartwell = make_staff("hartwell", "Clinicians")
    Clinician.objects.filter(name="Dr Imogen Hartwell").update(user=hartwell)
    clinician = new_page()
    sign_in_to_admin(clinician, demo_site, hartwell)
    clinician.goto(editor.url)
    clinician.get_by_role("button", name="Approve these changes as medical reviewer").click()
    expect(clinician.locator(".messagelist")).to_contain_text("Approved: the page now shows the changes")
    screenshot(clinician, "journey5-02-approved-by-the-clinician")

    patient.reload()
    expect(patient.locator("main")).to_contain_text("1–2 days")
    expect(patient.locator("main")).to_contain_text("Dr Imogen Hartwell")
    screenshot(patient, "journey5-03-public-page-after-sign-off")


def test_reception_runs_the_day_from_the_diary_and_books_a_caller_into_a_free_slot(
    demo_site, new_page, make_staff, screenshot
):
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from bookings import services
    from bookings.models import ConsultationRequest, Status
    from staff.models import Clinician
    from tests.bookings.conftest import submit

    # A Tuesday: Dr Hartwell sees patients 09:00–17:00 with lunch at 13:00 (the demo's working week).
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    hartwell = Clinician.objects.get(name="Dr Imogen Hartwell")
    receptionist = make_staff("priya", "Reception")
    booked = submit(full_name="Maya Lindqvist", first_preferred_date=day)
    services.start_review(consultation=booked, by=receptionist)
    start = timezone.make_aware(datetime.combine(day, time(10)))
    services.confirm_request(consultation=booked, start=start, clinician=hartwell, by=receptionist)
    cancelled = submit(full_name="Cancelled Caller", first_preferred_date=day)
    services.cancel_request(consultation=cancelled, by=receptionist)

    staff = new_page()
    sign_in_to_admin(staff, demo_site, receptionist)
    staff.get_by_role("link", name="Today's diary").click()
    expect(staff.locator("h1")).to_contain_text("Diary")
    staff.get_by_label("Date").fill(day.isoformat())
    staff.get_by_role("button", name="Show").click()
    grid = staff.locator("table.diary-grid")
    expect(grid).to_contain_text("Maya Lindqvist")
    expect(grid.get_by_role("link", name=booked.reference)).to_be_visible()
    expect(grid).to_contain_text("Lunch")
    expect(staff.locator("#content")).not_to_contain_text("Cancelled Caller")
    screenshot(staff, "journey6-01-diary-day")

    # A caller wants 11:30 with Dr Hartwell: "Book" in that free cell opens the phone booking with it chosen.
    column = [name.strip() for name in grid.locator("thead th").all_text_contents()].index("Dr Imogen Hartwell")
    row = grid.locator("tbody tr").filter(has=staff.locator("th", has_text="11:30"))
    row.locator("td").nth(column - 1).get_by_role("link", name="Book").click()
    expect(staff.locator("h1")).to_contain_text("taken by phone or at the desk")
    staff.get_by_label("Full name").fill("Tomasz Brennan")
    staff.get_by_role("textbox", name="Email").fill("tomasz.brennan@example.com")
    staff.get_by_label("Phone number").fill("07911 123456")
    for question in ["isotretinoin_recent", "pregnant_or_breastfeeding", "keloid_tendency", "active_skin_infection"]:
        staff.locator(f"input[name={question}][value=no]").check()
    staff.get_by_label("Microneedling").check()
    staff.get_by_label("The patient agreed to the privacy notice").check()
    screenshot(staff, "journey6-02-phone-booking")
    staff.get_by_role("button", name="Book and email the patient").click()
    expect(staff.locator(".messagelist")).to_contain_text("The patient is being emailed the confirmation")
    caller = ConsultationRequest.objects.get(full_name="Tomasz Brennan")
    assert (caller.status, timezone.localtime(caller.confirmed_start).time(), caller.clinician) == (
        Status.CONFIRMED,
        time(11, 30),
        hartwell,
    )

    staff.goto(f"{demo_site.url}/admin/bookings/diary/?date={day.isoformat()}")
    expect(staff.locator("table.diary-grid")).to_contain_text("Tomasz Brennan")
    staff.get_by_role("link", name="Week", exact=True).click()
    expect(staff.locator("table.diary-week")).to_contain_text(caller.reference)
    screenshot(staff, "journey6-03-diary-week")

    # On paper: only the day list, with each patient's phone number.
    staff.get_by_role("link", name="Day", exact=True).click()
    staff.emulate_media(media="print")
    expect(staff.locator("table.diary-grid")).to_be_hidden()
    day_list = staff.locator(".diary-day-list")
    expect(day_list).to_contain_text("07911 123456")  # as the request page shows it
    expect(day_list).to_contain_text("Maya Lindqvist")
    screenshot(staff, "journey6-04-printed-day-list")


def test_an_editor_sees_a_whole_condition_page_in_admin_without_scrolling_sideways(
    demo_site, new_page, make_staff, screen, screenshot
):
    """The treatment options and references fit the form on a 1280 px desktop, and on a
    1024 px window (a 1280 px screen at 125 %) or a 900 px tablet the treatment options still
    fit their box, evidence menu and "Delete?" in view (on a phone, Django's own rule scrolls
    them inside the page); a treatment's page fits too."""
    editor = new_page()
    sign_in_to_admin(editor, demo_site, make_staff("morgan", "Editors"))
    editor.goto(demo_site.url + "/admin/treatments/condition/?q=ice+pick")
    editor.get_by_role("link", name="Ice pick scars", exact=True).click()
    options = editor.locator("#treatment_links-group")
    expect(options).to_contain_text("Microneedling")
    screenshot(editor, "journey7-01-condition-in-admin")
    widths = editor.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide on a {widths[1]} px window"

    if screen == "desktop":
        for window_width in (1024, 900):
            editor.set_viewport_size({"width": window_width, "height": 900})
            table, box = options.evaluate("g => [g.querySelector('table').offsetWidth, g.clientWidth]")
            assert table <= box, f"the treatment options are {table} px wide in a {box} px box at {window_width} px"
            box_right = options.bounding_box()["x"] + box
            for last_columns in (
                options.get_by_role("columnheader", name="Delete?"),
                options.locator("select[name$='suitability_reference']").first,
            ):
                edge = last_columns.bounding_box()
                assert edge["x"] + edge["width"] <= box_right, f"{last_columns} is out of view at {window_width} px"
        screenshot(editor, "journey7-02-condition-in-admin-900px")
        editor.set_viewport_size(SCREENS["desktop"]["viewport"])

    editor.goto(demo_site.url + "/admin/treatments/treatment/?q=microneedling")
    editor.get_by_role("link", name="Microneedling", exact=True).click()
    expect(editor.locator("#references-group")).to_be_visible()
    widths = editor.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the treatment's page is {widths[0]} px wide on a {widths[1]} px window"
