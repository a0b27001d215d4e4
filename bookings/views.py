import json
import time
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.generic import FormView, TemplateView, View

from bookings import services
from bookings.availability import Availability
from bookings.forms import AcceptTimeForm, CancelForm, ConsultationRequestForm, ContactMeForm, RescheduleForm
from bookings.ics import consultation_invite
from bookings.models import (
    REFERENCE_RE,
    ConsultationRequest,
    Status,
    closures_between,
    new_idempotency_key,
    new_token,
    opening_hours,
)
from clinic.pagecache import fresh_fields, page_cache
from clinic.ratelimit import client_key, hit, ratelimit, too_many_attempts
from clinic.views import ClinicPageView
from staff.models import Clinician

# Complete requests (forms that pass their checks) per client: a patient sends one or two.
REQUEST_FORM_LIMIT = {"limit": 10, "window_seconds": 15 * 60}
# Every post, refused ones included: a patient correcting mistakes posts a dozen times or
# more, so this leaves at least 30 refused attempts beside the complete ones; a script posts hundreds.
REQUEST_ATTEMPT_LIMIT = {"limit": 40, "window_seconds": 15 * 60}
CANCEL_LIMIT = {"limit": 10, "window_seconds": 15 * 60}
CLOSURES_SHOWN_DAYS = 90
# What this browser sent lately, in a signed cookie: no session (a database write) for a patient.
RECENT_SUBMISSIONS_COOKIE = "clinic_recent_requests"
RECENT_SUBMISSIONS_SALT = "bookings.recent-submissions"
RESUBMISSION_WINDOW_SECONDS = 60 * 60
ERASED_REQUEST_SENT_AGAIN = (
    "You sent this form before. That request has since been closed and its details erased, so it "
    "has no page any more. If you would still like a consultation, check your answers below and "
    "send them again: it will be a new request."
)


def private_page(view=None, *, referrer_policy="no-referrer"):
    """Pages behind the patient's secret link: never stored by caches, never
    indexed, and by default never leaking the link in a Referer header.

    A page with a form posting back to the site needs "same-origin" instead:
    under "no-referrer" browsers send `Origin: null` with the post, and Django's
    CSRF check rightly refuses it. "same-origin" still tells no other site."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response["Cache-Control"] = "no-store"
            response.headers.setdefault("Referrer-Policy", referrer_policy)
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return wrapped

    return decorator(view) if view is not None else decorator


@method_decorator(ratelimit("consultation-request-attempt", **REQUEST_ATTEMPT_LIMIT), name="dispatch")
# Cached for anonymous visitors with a fresh one-time key filled in; never revalidated from the
# browser's copy, whose key may already have been used.
@method_decorator(
    page_cache(conditional=False, query=("treatment", "condition"), fresh={"idempotency_key": new_idempotency_key}),
    name="get",
)
class ConsultationRequestCreateView(FormView):
    """The consultation request form. Two limits per client: every post counts toward
    REQUEST_ATTEMPT_LIMIT (checked before any work, so a flood is stopped cheaply), and
    only a form that passes its checks counts toward the lower REQUEST_FORM_LIMIT, so a
    patient correcting mistakes is not refused for them."""

    template_name = "bookings/consultationrequest_form.html"
    form_class = ConsultationRequestForm

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            return self.form_valid(form)  # a form key seen before is recognised by the service
        # The same form sent again (double click, refresh, back and resend) shows what the
        # first one made, even when its answers no longer pass (the date chosen has gone by).
        existing = ConsultationRequest.objects.for_idempotency_key(request.POST.get("idempotency_key"))
        if existing is not None:
            return self._answer_resubmission(existing)
        return self.form_invalid(form)

    def _answer_resubmission(self, existing):
        """The page for a form sent again: the first request's thanks page, or, when
        that request has since been erased (it has no private link any more), the
        form again with the answers as sent, a fresh key, and a word on what happened."""
        if not existing.is_anonymised:
            return redirect(existing.thanks_path())
        data = self.request.POST.copy()
        data["idempotency_key"] = new_idempotency_key()
        form = self.form_class(data=data, source=self.request.GET)
        form.full_clean()
        form.add_error(None, ERASED_REQUEST_SENT_AGAIN)
        return self.form_invalid(form)

    def get_initial(self):
        return {**super().get_initial(), **fresh_fields(self.request)}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "source": self.request.GET}

    def get_context_data(self, **kwargs):
        return super().get_context_data(upcoming_closures=upcoming_closures(), **kwargs)

    def form_valid(self, form):
        """Stored and thanked, or not stored: no database write follows the one transaction
        that stores the request, so a patient never sees an error for a request that was kept."""
        fingerprint = form.fingerprint()
        recent = _recent_submissions(self.request)
        earlier = _recent_submission(recent, fingerprint)
        if earlier is not None:
            return self._answer_resubmission(earlier)
        if not hit("consultation-request", client_key(self.request), **REQUEST_FORM_LIMIT):
            return too_many_attempts(self.request, window_seconds=REQUEST_FORM_LIMIT["window_seconds"])
        try:
            submission = services.submit_request(**form.submission())
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        except DatabaseError:
            # A write after the commit (an email's delivery record) failed: the request is kept.
            consultation = ConsultationRequest.objects.for_idempotency_key(form.cleaned_data["idempotency_key"])
            if consultation is None:
                raise
            submission = services.Submission(consultation, created=True)
        consultation = submission.consultation
        if not submission.created or consultation.is_anonymised:
            # The same form sent again, its request perhaps erased since.
            return self._answer_resubmission(consultation)
        response = redirect(consultation.thanks_path())
        _remember_submission(response, recent, fingerprint, consultation)
        return response


def upcoming_closures():
    """The closures patients are shown before they pick a date (the form and the contact page)."""
    today = timezone.localdate()
    return closures_between(today, today + timedelta(days=CLOSURES_SHOWN_DAYS))


def _recent_submissions(request):
    """[fingerprint, reference, time] of what this browser sent in the last hour."""
    value = request.get_signed_cookie(
        RECENT_SUBMISSIONS_COOKIE, default=None, salt=RECENT_SUBMISSIONS_SALT, max_age=RESUBMISSION_WINDOW_SECONDS
    )
    try:
        entries = json.loads(value or "[]")
    except ValueError:
        return []
    now = time.time()
    return [entry for entry in entries if now - entry[2] < RESUBMISSION_WINDOW_SECONDS]


def _recent_submission(recent, fingerprint):
    """The request this browser sent with exactly these answers in the last hour, while still new.

    The hidden key catches a double click or a refresh. Going back to the form can
    reload it with a fresh key instead (the browser's copy is not reused once the
    CSRF cookie has changed the request), so identical answers from the same
    browser count as the same request too."""
    for entry_fingerprint, reference, _at in recent:
        if entry_fingerprint == fingerprint:
            return ConsultationRequest.objects.filter(reference=reference, status=Status.NEW).first()
    return None


def _remember_submission(response, recent, fingerprint, consultation):
    response.set_signed_cookie(
        RECENT_SUBMISSIONS_COOKIE,
        json.dumps([*recent[-4:], [fingerprint, consultation.reference, time.time()]]),
        salt=RECENT_SUBMISSIONS_SALT,
        max_age=RESUBMISSION_WINDOW_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class PatientRequestMixin:
    """Finds the request named by the reference and token in the URL. A wrong token,
    a wrong reference and a missing request all give the same 404."""

    def get_consultation(self):
        if hasattr(self, "_consultation"):
            return self._consultation
        reference, token = self.kwargs["reference"].upper(), self.kwargs["token"]
        consultation = (
            ConsultationRequest.objects.select_related("clinician", "course__treatment")
            .filter(reference=reference)
            .first()
            if REFERENCE_RE.fullmatch(reference)  # never send the database a malformed one (e.g. with NUL)
            else None
        )
        if consultation is None:
            # Compare anyway, so a missing reference takes as long as a wrong token.
            ConsultationRequest(token=new_token()).token_matches(token)
            raise Http404("No such consultation request")
        if not consultation.token_matches(token):
            raise Http404("No such consultation request")
        self._consultation = consultation
        return consultation

    def get_context_data(self, **kwargs):
        consultation = self.get_consultation()
        return super().get_context_data(
            consultation=consultation,
            treatments=list(consultation.treatments.all()),
            status_url=consultation.status_url(),
            **kwargs,
        )


@method_decorator(private_page, name="dispatch")
class ThanksView(PatientRequestMixin, TemplateView):
    template_name = "bookings/consultationrequest_thanks.html"


@method_decorator(private_page, name="dispatch")
@method_decorator(ratelimit("consultation-cancel", **CANCEL_LIMIT), name="dispatch")
class StatusView(PatientRequestMixin, TemplateView):
    """The patient's private page. A POST here cancels (from the confirmation page),
    or, while the clinic has proposed times, takes one of them (`action=accept`) or
    asks to be contacted about another (`action=contact`)."""

    template_name = "bookings/consultationrequest_status.html"

    def get_context_data(self, **kwargs):
        consultation = self.get_consultation()
        context = {
            "cancellation_problem": consultation.patient_cancellation_problem(),
            "reschedule_problem": consultation.patient_reschedule_problem(),
            "course": consultation.course,
            "next_session_problem": services.next_session_problem(consultation) if consultation.course else None,
        }
        if consultation.patient_may("take_offered_time"):
            proposals, gone, held_until = services.offers_on_the_table(consultation)
            context.update(
                proposals=proposals,
                gone=gone,
                held_until=held_until,
                offered_on_a_day_asked_for=services.offered_on_a_day_asked_for(consultation, proposals),
                accept_form=kwargs.pop("accept_form", None) or AcceptTimeForm(proposals=proposals),
                contact_form=kwargs.pop("contact_form", None) or ContactMeForm(),
            )
        return super().get_context_data(**context, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        course = context.get("course")
        if "accept_form" in context or (course is not None and course.is_active):
            response["Referrer-Policy"] = "same-origin"  # it holds forms that post back: see private_page
        return response

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "end_course":
            return self.end_course(request, **kwargs)
        if action == "accept":
            return self.accept_time(request, **kwargs)
        if action == "contact":
            return self.ask_for_contact(request, **kwargs)
        return self.cancel(request, **kwargs)

    def end_course(self, request, **kwargs):
        consultation = self.get_consultation()
        if consultation.course is None:
            return redirect(consultation.status_path())
        try:
            services.end_course(course=consultation.course, by=None)
        except ValidationError as refusal:
            messages.error(request, refusal.messages[0])
        else:
            messages.success(request, "Your course is ended. We will not remind you about further sessions.")
        return redirect(consultation.status_path())

    def accept_time(self, request, **kwargs):
        consultation = self.get_consultation()
        if not consultation.patient_may("take_offered_time"):
            messages.error(request, "These times are no longer on offer: this page shows where your request stands.")
            return redirect(consultation.status_path())
        # Any time offered, even one gone meanwhile: the service then says why it cannot be taken.
        form = AcceptTimeForm(request.POST, proposals=consultation.proposed_times.select_related("clinician"))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(accept_form=form, **kwargs))
        try:
            services.accept_proposed_time(consultation=consultation, proposed_time_id=form.cleaned_data["proposal"])
        except ValidationError as refusal:
            messages.error(request, refusal.messages[0])
        else:
            messages.success(request, "Your consultation is booked. We have emailed you the details and an invite.")
        return redirect(consultation.status_path())

    def ask_for_contact(self, request, **kwargs):
        consultation = self.get_consultation()
        form = ContactMeForm(request.POST)
        if not form.is_valid():
            if not consultation.patient_may("ask_for_another_time"):
                return redirect(consultation.status_path())
            return self.render_to_response(self.get_context_data(contact_form=form, **kwargs))
        try:
            services.back_to_review(consultation=consultation, by=None, note=form.cleaned_data["note"])
        except ValidationError as refusal:
            messages.error(request, refusal.messages[0])
        else:
            messages.success(request, "Thank you. We will contact you to find a time that suits you.")
        return redirect(consultation.status_path())

    def cancel(self, request, **kwargs):
        consultation = self.get_consultation()
        form = CancelForm(request.POST)
        if not form.is_valid():
            self.template_name = CancelConfirmView.template_name
            response = self.render_to_response(self.get_context_data(form=form, **kwargs))
            response["Referrer-Policy"] = "same-origin"  # it holds the form again: see private_page
            return response
        cancelled = consultation.what_the_patient_cancels
        try:
            services.cancel_request(consultation=consultation, by=None, note=form.cleaned_data["reason"])
        except services.CancellationNotAllowed as refusal:
            messages.error(request, refusal.messages[0])
        else:
            messages.success(request, f"Your {cancelled} is cancelled. We have let the clinic know.")
        return redirect(consultation.status_path())


@method_decorator(private_page(referrer_policy="same-origin"), name="dispatch")
class CancelConfirmView(PatientRequestMixin, TemplateView):
    """The confirmation step before a cancel: GET shows it, its form posts to the status page."""

    template_name = "bookings/consultationrequest_cancel.html"

    def get_context_data(self, **kwargs):
        consultation = self.get_consultation()
        return super().get_context_data(
            form=CancelForm(initial={"confirm": "yes"}),
            cancellation_problem=consultation.patient_cancellation_problem(),
            **kwargs,
        )


@method_decorator(private_page, name="dispatch")
class InviteView(PatientRequestMixin, View):
    """The calendar invite, once the consultation has a confirmed time."""

    def get(self, request, *args, **kwargs):
        consultation = self.get_consultation()
        if consultation.status != Status.CONFIRMED:
            raise Http404("This consultation has no confirmed time")
        response = HttpResponse(consultation_invite(consultation), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="invite.ics"'
        return response


class FreeTimesView(PatientRequestMixin, TemplateView):
    """A patient picks a free time (GET lists them a week at a time, ?week=,
    ?clinician=<id> or "any", their own clinician first; POST takes one). Subclasses
    say which days (`window`), why the patient cannot pick now (`problem`), and what
    taking a time does (`take`, which returns the success message)."""

    template_name = "bookings/consultationrequest_reschedule.html"
    url_name = "bookings:reschedule"
    heading = "Change the time of your consultation"
    submit_label = "Move my consultation to this time"

    def window(self, consultation):
        raise NotImplementedError

    def problem(self, consultation):
        raise NotImplementedError

    def take(self, consultation, start, clinician):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        consultation = self.get_consultation()
        context = {
            "reschedule_problem": self.problem(consultation),
            "heading": self.heading,
            "submit_label": self.submit_label,
        }
        if context["reschedule_problem"] is None:
            context.update(self._choices(consultation, kwargs.pop("form", None)))
        return super().get_context_data(**context, **kwargs)

    def _choices(self, consultation, form):
        first, last = self.window(consultation)
        weeks = (last - first).days // 7 + 1
        week = self.request.GET.get("week", "0")
        week = int(week) if week in {str(n) for n in range(weeks)} else 0
        wanted = self.request.GET.get("clinician", str(consultation.clinician_id))
        clinicians = list(Clinician.objects.filter(takes_consultations=True))
        chosen = [c for c in clinicians if str(c.pk) == wanted] or (clinicians if wanted == "any" else [])
        if not chosen:
            chosen = [c for c in clinicians if c.pk == consultation.clinician_id] or clinicians
        start_day = first + timedelta(weeks=week)
        end_day = min(start_day + timedelta(days=6), last)
        availability = Availability(start_day, end_day, clinicians=chosen)
        slots = [
            slot
            for slot in availability.free_slots(for_consultation_id=consultation.pk)
            if not (slot.start == consultation.confirmed_start and slot.clinician.pk == consultation.clinician_id)
        ]
        days = {}
        for slot in slots:
            days.setdefault(timezone.localtime(slot.start).date(), []).append(slot)
        return {
            "form": form or RescheduleForm(slots=slots),
            "days": days,
            "week": week,
            "first_day": start_day,
            "last_day": end_day,
            "clinicians": clinicians,
            "clinician_choice": "any" if len(chosen) > 1 else str(chosen[0].pk) if chosen else "any",
            "previous_week": week - 1 if week > 0 else None,
            "next_week": week + 1 if week + 1 < weeks else None,
        }

    def post(self, request, *args, **kwargs):
        consultation = self.get_consultation()
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, **kwargs))
        start, clinician = form.cleaned_data["slot"]
        try:
            done = self.take(consultation, start, clinician)
        except ValidationError as refusal:
            messages.error(request, refusal.messages[0])
            return redirect(reverse(self.url_name, args=[consultation.reference, consultation.token]))
        messages.success(request, done)
        return redirect(consultation.status_path())


@method_decorator(private_page(referrer_policy="same-origin"), name="dispatch")
@method_decorator(ratelimit("consultation-reschedule", **CANCEL_LIMIT), name="dispatch")
class RescheduleView(FreeTimesView):
    """The patient moves their confirmed consultation (services.reschedule_request)."""

    def window(self, consultation):
        return services.patient_reschedule_window()

    def problem(self, consultation):
        return consultation.patient_reschedule_problem()

    def take(self, consultation, start, clinician):
        services.reschedule_request(consultation=consultation, start=start, clinician=clinician, by=None)
        return (
            f"Your consultation is moved to {services.describe(start)} with {clinician.name}. "
            "We have emailed you an updated invite."
        )


@method_decorator(private_page(referrer_policy="same-origin"), name="dispatch")
@method_decorator(ratelimit("consultation-reschedule", **CANCEL_LIMIT), name="dispatch")
class NextSessionView(FreeTimesView):
    """The patient books the next session of their course, in a window around the day
    it falls due (services.book_next_session)."""

    url_name = "bookings:next_session"
    heading = "Book the next session of your course"
    submit_label = "Book this time"

    def window(self, consultation):
        return services.next_session_window(consultation.course)

    def problem(self, consultation):
        return services.next_session_problem(consultation)

    def take(self, consultation, start, clinician):
        session = services.book_next_session(consultation=consultation, start=start, clinician=clinician)
        return (
            f"Session {session.course.sessions_done + 1} is booked for {services.describe(start)} with "
            f"{clinician.name}. We have emailed you the details, an invite and the link to its own page."
        )


# --- The contact page: the clinic's hours and closures come from here ----------------------


class ContactView(ClinicPageView):
    """Address, phone, email, the week's hours and the closures the consultation form shows, directions."""

    template_name = "contact.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            upcoming_closures=upcoming_closures(),
            directions=settings.CLINIC_DIRECTIONS,
            structured_data=[clinic_structured_data()],
            **kwargs,
        )


def clinic_structured_data():
    """JSON-LD for the contact page: the clinic as a MedicalClinic with its contact
    details and weekly opening hours (from the cached opening hours: no query)."""
    return {
        "@context": "https://schema.org",
        "@type": "MedicalClinic",
        "name": settings.CLINIC_NAME,
        "url": settings.SITE_URL,
        "address": settings.CLINIC_ADDRESS,
        "telephone": settings.CLINIC_PHONE,
        "email": settings.CLINIC_EMAIL,
        "medicalSpecialty": "https://schema.org/Dermatologic",
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{row['day']}",
                "opens": f"{row['opens']:%H:%M}",
                "closes": f"{row['closes']:%H:%M}",
            }
            for row in opening_hours()
            if row["opens"]
        ],
    }
