"""Reception's diary in admin: /admin/bookings/diary/?date=YYYY-MM-DD, with
&clinician=<id> for one clinician and &view=week for the week. Only staff who
may see patients' details open it (Reception does; Editors do not)."""

from datetime import date, timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

from bookings.diary import build_diary, week_of
from bookings.models import ConsultationRequest
from clinic.admin_lists import MAX_ID_DIGITS
from staff.models import Clinician

MIN_YEAR, MAX_YEAR = 2000, 2999


def can_open_diary(user):
    """The diary names patients: it needs both sight of requests and of their details."""
    return user.has_perm("bookings.view_consultationrequest") and user.has_perm("bookings.view_patient_details")


def _parse_day(value, today):
    """(day, problem): the day asked for, or today with a sentence saying why not."""
    if not value:
        return today, ""
    try:
        day = date.fromisoformat(value.strip()) if len(value) <= 10 else None
    except ValueError:
        day = None
    if day is None:
        return today, f"“{value[:20]}” is not a date like {today:%Y-%m-%d}: showing today."
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        first, last = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
        return today, f"The diary shows dates from {date_format(first)} to {date_format(last)}: showing today."
    return day, ""


def _parse_clinician(value):
    """(clinician or None, problem)."""
    if not value:
        return None, ""
    if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        found = Clinician.objects.filter(pk=int(value), takes_consultations=True).first()
        if found is not None:
            return found, ""
    return None, "There is no clinician taking consultations with that number: showing everyone."


def diary_view(request):
    """A day's or a week's grid of appointments, offers, free slots and breaks."""
    if not can_open_diary(request.user):
        raise PermissionDenied(
            "You don't have access to the diary: it shows patients' names and appointments, so it is open only "
            "to staff who handle consultation requests. Ask a clinic administrator if you need it."
        )
    today = timezone.localdate()
    day, day_problem = _parse_day(request.GET.get("date", ""), today)
    clinician, clinician_problem = _parse_clinician(request.GET.get("clinician", ""))
    week = request.GET.get("view") == "week"
    clinicians, days = build_diary(day, clinician=clinician, week=week)
    step = timedelta(days=7 if week else 1)
    base = reverse("bookings_diary")

    def link(**changes):
        query = {
            "date": day.isoformat(),
            "clinician": clinician.pk if clinician else "",
            "view": "week" if week else "",
        }
        query.update(changes)
        return f"{base}?{urlencode({key: value for key, value in query.items() if value})}"

    shown = week_of(day) if week else day
    context = {
        **admin.site.each_context(request),
        "title": (f"Diary: week of {shown.day} {shown:%B %Y}" if week else f"Diary: {days[0].label}"),
        "day": day,
        "days": days,
        "week": week,
        "clinicians": clinicians,
        "week_rows": [
            {"clinician": person, "cells": [diary_day.cells[index] for diary_day in days]}
            for index, person in enumerate(clinicians)
        ]
        if week
        else [],
        "clinician": clinician,
        "all_clinicians": list(Clinician.objects.filter(takes_consultations=True).only("pk", "name")),
        "problems": [problem for problem in (day_problem, clinician_problem) if problem],
        "previous_url": link(date=(day - step).isoformat()),
        "next_url": link(date=(day + step).isoformat()),
        "today_url": link(date=today.isoformat()),
        "day_url": link(view=""),
        "week_url": link(view="week"),
        "can_book": admin.site.get_model_admin(ConsultationRequest).has_add_permission(request),
        "add_url": reverse("admin:bookings_consultationrequest_add"),
    }
    return TemplateResponse(request, "admin/bookings/diary.html", context)
