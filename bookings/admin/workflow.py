"""The staff workflow in admin: a page per step for one request (GET shows it, POST
acts), list actions for several, the emails page and the CSV export.

Every change goes through bookings.services; this module only turns forms into
service calls and the services' refusals into messages. A refusal of the state
machine sends staff back to the request with the reason; a refused time or a
missing reason shows the page again with the message beside the form.
"""

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from bookings import services
from bookings.admin.forms import (
    ConfirmForm,
    DeclineForm,
    NoteForm,
    PhoneBookingForm,
    ProposeForm,
    ShowDateForm,
)
from bookings.export import write_consultations
from bookings.models import DeclineReason, Status, new_idempotency_key
from bookings.scheduling import day_grids, days_to_show, describe, parse_slot, slot_problems
from bookings.workflow import STEPS, STEPS_BY_NAME, bulk_steps
from clinic.admin_lists import SafeSelectionMixin, is_id, missing_object_redirect
from notifications.models import Email

logger = logging.getLogger(__name__)


# What each kind of step page asks for (bookings.workflow.Step.kind).
STEP_FORMS = {"note": NoteForm, "slot": ConfirmForm, "slots": ProposeForm, "decline": DeclineForm}


def _done_message(step, consultation, data):
    """What staff are told once `step` is done: its `done` sentence, filled from the form's data."""
    fields = {"ref": consultation.reference}
    if slot := data.get("slot"):
        fields.update(when=describe(slot[0]), clinician=slot[1].name)
    if slots := data.get("slots"):
        fields["times"] = f"{len(slots)} time{pluralize(len(slots))}"
    return step.done.format(**fields)


def _bulk_action(step):
    """The list action for `step`, named `<step>_selected` as the action menu posts it."""

    def act(modeladmin, request, queryset):
        return modeladmin._bulk_step(request, queryset, step)

    act.__name__ = f"{step.name}_selected"
    return admin.action(description=step.bulk.description, permissions=["change"])(act)


def _messages(error):
    return error.messages if isinstance(error, ValidationError) else [str(error)]


def _add_errors(form, error, slot_field="slot"):
    """Put a service's ValidationError on the form: beside a field the form has, a
    refused time beside the grid (`slot_field`), anything else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, services.SlotUnavailable) and slot_field in form.fields:
        form.add_error(slot_field, error)
    else:
        form.add_error(None, error)


def _slot_field(step):
    """The field a slot step's form takes its time or times in."""
    return "slot" if step.kind == "slot" else "slots"


def _explain_unbookable(form, field, asked, *, consultation=None):
    """The errors to show beside the grid: the form's own, or, when the times `asked`
    for (posted, or passed from the diary in the URL) cannot be booked, why not. The
    grid offers only free times, so a taken one is not there to tick: without this
    the page would drop it quietly and ask only to "Choose a time from the grid".
    Bound forms get the reasons as the field's errors, keeping every other answer."""
    errors = form.errors.as_data().get(field, []) if form.is_bound else []
    if any(error.code != "required" for error in errors):
        return form.errors[field]  # the form or the service has already said what is wrong
    problems = slot_problems(asked, exclude_consultation=consultation)
    if not problems:
        return form.errors.get(field, []) if form.is_bound else []
    if form.is_bound:
        form.errors.pop(field, None)
        form.add_error(field, ValidationError(problems, code="slot_unavailable"))
        return form.errors[field]
    return problems


class WorkflowAdminMixin(SafeSelectionMixin):
    """Mixed into ConsultationRequestAdmin."""

    actions = [
        *(_bulk_action(step) for step in bulk_steps()),
        "resend_last_email_selected",
        "retry_failed_emails_selected",
        "export_csv",
    ]

    # --- permissions ---

    def has_export_permission(self, request):
        return request.user.has_perm("bookings.export_consultationrequest")

    def _can_see_details(self, request):
        return request.user.has_perm("bookings.view_patient_details")

    # --- URLs ---

    def get_urls(self):
        workflow = [
            path(
                f"<path:object_id>/{step.name.replace('_', '-')}/",
                self.admin_site.admin_view(self.step_view),
                {"step_name": step.name},
                name=step.url_name,
            )
            for step in STEPS
        ]
        emails = path(
            "<path:object_id>/emails/",
            self.admin_site.admin_view(self.emails_view),
            name="bookings_consultationrequest_emails",
        )
        return [*workflow, emails, *super().get_urls()]

    def _changeable(self, request, object_id):
        """The request named in the URL, if this user may work on it; None when it does not exist."""
        consultation = self.get_object(request, unquote(object_id))
        if consultation is not None and not self.has_change_permission(request, consultation):
            raise PermissionDenied
        if consultation is None and not self.has_change_permission(request):
            raise PermissionDenied
        return consultation

    def _change_url(self, consultation):
        return reverse("admin:bookings_consultationrequest_change", args=[consultation.pk])

    # --- the change page's buttons ---

    def available_steps(self, request, consultation):
        """The steps this user can take on `consultation` now, for the buttons on its page."""
        if consultation is None or not self.has_change_permission(request, consultation):
            return []
        now = timezone.now()
        return [
            {"step": step, "url": reverse(f"admin:{step.url_name}", args=[consultation.pk])}
            for step in STEPS
            if services.step_problem(consultation, step.name, now=now) is None
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        consultation = self.get_object(request, unquote(object_id))
        steps = self.available_steps(request, consultation)
        extra = {
            "workflow_steps": steps,
            "awaiting_start": bool(steps)
            and consultation.status == Status.CONFIRMED
            and consultation.confirmed_start > timezone.now(),
            "emails_url": reverse("admin:bookings_consultationrequest_emails", args=[consultation.pk])
            if consultation is not None and self.has_change_permission(request, consultation)
            else None,
            "can_see_details": self._can_see_details(request),
        }
        return super().change_view(request, object_id, form_url, extra_context={**extra, **(extra_context or {})})

    # --- one request, one step ---

    def step_view(self, request, object_id, step_name):
        step = STEPS_BY_NAME[step_name]
        consultation = self._changeable(request, object_id)
        if consultation is None:
            return missing_object_redirect(self, request, object_id)
        change_url = self._change_url(consultation)
        if problem := services.step_problem(consultation, step.name):
            self.message_user(request, problem, messages.ERROR)
            return redirect(change_url)

        form = STEP_FORMS[step.kind](request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                done = self._perform(step, consultation, request.user, form)
            except services.TransitionNotAllowed as refusal:
                # Someone else changed it meanwhile: nothing happened here.
                self.message_user(request, refusal.messages[0], messages.ERROR)
                return redirect(change_url)
            except ValidationError as error:
                _add_errors(form, error, _slot_field(step))
            else:
                self.log_change(request, consultation, done)
                self.message_user(request, done, messages.SUCCESS)
                return redirect(change_url)

        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": step.title.format(consultation.reference),
            "step": step,
            "consultation": consultation,
            "original": consultation,
            "change_url": change_url,
            "form": form,
            "can_see_details": self._can_see_details(request),
            "treatments": list(consultation.treatments.all()),
        }
        if step.kind in {"slot", "slots"}:
            context.update(self._slot_context(request, consultation, step, form))
        if step.kind == "decline":
            context["reasons"] = list(DeclineReason.objects.active())
        return TemplateResponse(request, "admin/bookings/consultationrequest/step.html", context)

    def _slot_context(self, request, consultation, step, form):
        show = ShowDateForm(request.GET or None)
        chosen = show.cleaned_data["date"] if show.is_valid() else None
        field = _slot_field(step)
        posted = form[field].value() if form.is_bound else None
        selected = [value for value in (posted if isinstance(posted, list) else [posted]) if value]
        grids = day_grids(days_to_show(consultation, step=step.name, chosen=chosen), consultation=consultation)
        return {
            "show_date_form": show,
            "grids": grids,
            "field_name": field,
            "input_type": "radio" if step.kind == "slot" else "checkbox",
            "selected": selected,
            "slot_errors": _explain_unbookable(form, field, selected, consultation=consultation),
            "slot_minutes": settings.CONSULTATION_LENGTH_MINUTES,
            "preference": consultation.time_of_day,
        }

    def _perform(self, step, consultation, user, form):
        """Take `step` on `consultation` through its service; return what to tell staff."""
        getattr(services, step.service)(consultation=consultation, by=user, **form.service_arguments())
        return _done_message(step, consultation, form.cleaned_data)

    # --- a booking taken by phone or at the desk ---

    def add_view(self, request, form_url="", extra_context=None):
        """Reception's phone or desk booking: patient details, consent and a free slot
        from the grid; one day's grid at a time (?date=, or the day of ?slot= from the diary)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = PhoneBookingForm(request.POST)
            if form.is_valid():
                try:
                    booking = services.book_by_phone(**form.booking(), by=request.user)
                except ValidationError as error:
                    _add_errors(form, error)
                else:
                    consultation = booking.consultation
                    self.log_addition(request, consultation, "Booked by phone or at the desk.")
                    self.message_user(
                        request,
                        f"{consultation.reference} is booked for {describe(consultation.confirmed_start)} with "
                        f"{consultation.clinician.name}. The patient is being emailed the confirmation, "
                        "the invite and their status link.",
                        messages.SUCCESS,
                    )
                    return redirect(self._change_url(consultation))
        else:
            form = PhoneBookingForm(
                initial={"idempotency_key": new_idempotency_key(), "slot": request.GET.get("slot", "")}
            )
        show = ShowDateForm(request.GET if "date" in request.GET else None)
        chosen = show.cleaned_data["date"] if show.is_bound and show.is_valid() else None
        # The time ticked, else the one the diary's link asked for (the form posts back to the same URL).
        posted = form["slot"].value() or request.GET.get("slot", "")
        posted = posted if isinstance(posted, str) else ""
        if chosen is None:
            try:
                chosen = timezone.localtime(parse_slot(posted)[0]).date() if posted else None
            except ValidationError:
                chosen = None
        chosen = chosen or timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Book a consultation taken by phone or at the desk",
            "form": form,
            "show_date_form": show,
            "grids": day_grids([(chosen, "the day you chose")]),
            "field_name": "slot",
            "input_type": "radio",
            "selected": [posted] if posted else [],
            "slot_errors": _explain_unbookable(form, "slot", [posted] if posted else []),
            "slot_minutes": settings.CONSULTATION_LENGTH_MINUTES,
            "preference": "any",
            "privacy_url": reverse("privacy"),
        }
        return TemplateResponse(request, "admin/bookings/consultationrequest/phone_booking.html", context)

    # --- emails: see them, send one again ---

    def emails_view(self, request, object_id):
        consultation = self._changeable(request, object_id)
        if consultation is None:
            return missing_object_redirect(self, request, object_id)
        url = reverse("admin:bookings_consultationrequest_emails", args=[consultation.pk])
        if request.method == "POST":
            self._send_again(request, consultation, request.POST.get("send", ""))
            return redirect(url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Emails about {consultation.reference}",
            "consultation": consultation,
            "original": consultation,
            "change_url": self._change_url(consultation),
            "notifications": list(consultation.notifications.order_by("-created_at", "-id")),
            "can_see_details": self._can_see_details(request),
        }
        return TemplateResponse(request, "admin/bookings/consultationrequest/emails.html", context)

    def _send_again(self, request, consultation, what):
        ref = consultation.reference
        since = timezone.now()
        if what == "last":
            try:
                notification = services.resend_last_email(consultation=consultation)
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.ERROR)
                return
        elif is_id(what):
            notification = consultation.notifications.filter(pk=int(what)).first()
            if notification is None or not notification.to:
                self.message_user(request, f"That email is not one of {ref}'s, or has no address.", messages.ERROR)
                return
            notification = (services.send_emails_again([notification]) or [notification])[0]
        else:
            self.message_user(request, "Choose an email to send again.", messages.ERROR)
            return
        label = notification.get_kind_display()
        self.log_change(request, consultation, f"Sent again: {label}.")
        if notification.state == "sent" and notification.sent_at >= since:
            self.message_user(request, f"Sent again: {label}.", messages.SUCCESS)
        elif services.failed_again(notification, since):
            reason = notification.error or "the mail server failed"
            self.message_user(request, f"Could not send {label} again: {reason}", messages.ERROR)
        else:
            self.message_user(request, f"Queued to send again: {label}. The worker sends it shortly.", messages.INFO)

    # --- list actions ---

    def _each(self, request, queryset, call, done):
        """Run `call(consultation)` on each selected request; report what happened and what was refused."""
        succeeded, refused = [], []
        for consultation in queryset.order_by("created_at"):
            try:
                call(consultation)
            except ValidationError as error:
                refused.extend(_messages(error))
            else:
                succeeded.append(consultation.reference)
                self.log_change(request, consultation, done)
        if succeeded:
            self.message_user(request, f"{done}: {', '.join(succeeded)}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)
        if not succeeded and not refused:
            self.message_user(request, "None of the selected requests exists any more.", messages.WARNING)

    def _bulk_step(self, request, queryset, step):
        """The list action of `step` (see bookings.workflow.BulkAction). One that asks
        first shows the step's form for all the selected requests on the first post, and
        runs it on each on the second (with `apply`); the others run at once."""
        perform = getattr(services, step.service)
        if not step.bulk.asks_first:
            self._each(request, queryset, lambda c: perform(consultation=c, by=request.user), step.bulk.done)
            return None
        form = STEP_FORMS[step.kind](request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            arguments = form.service_arguments()
            self._each(
                request, queryset, lambda c: perform(consultation=c, by=request.user, **arguments), step.bulk.done
            )
            return None
        consultations = list(queryset.order_by("created_at"))
        if not consultations:
            self.message_user(request, "None of the selected requests exists any more.", messages.WARNING)
            return None
        items = [(c, services.step_problem(c, step.name)) for c in consultations]
        applicable = [c for c, problem in items if problem is None]
        if not applicable:
            for _, problem in items:
                self.message_user(request, problem, messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{step.label.rstrip('…')}: {len(applicable)} request{'s' if len(applicable) > 1 else ''}",
            "step": step,
            "form": form,
            "consultations": consultations,
            "items": items,
            "applicable": len(applicable),
            "action": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "reasons": list(DeclineReason.objects.active()) if step.kind == "decline" else [],
            "can_see_details": self._can_see_details(request),
        }
        return TemplateResponse(request, "admin/bookings/consultationrequest/bulk_step.html", context)

    @admin.action(description="Resend the last email to each selected patient", permissions=["change"])
    def resend_last_email_selected(self, request, queryset):
        sent, failed, queued = [], [], []
        since = timezone.now()
        for consultation in queryset.order_by("created_at"):
            try:
                notification = services.resend_last_email(consultation=consultation)
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.WARNING)
                continue
            if notification.state == "sent" and notification.sent_at >= since:
                sent.append(consultation.reference)
            elif services.failed_again(notification, since):
                failed.append(consultation.reference)
            else:
                queued.append(consultation.reference)
            self.log_change(request, consultation, f"Sent again: {notification.get_kind_display()}.")
        if sent:
            self.message_user(request, f"Sent again: {', '.join(sent)}.", messages.SUCCESS)
        if queued:
            self.message_user(request, f"Queued to send again: {', '.join(queued)}.", messages.INFO)
        if failed:
            self.message_user(request, f"Could not send: {', '.join(failed)}. See their emails.", messages.ERROR)

    @admin.action(description="Retry the failed emails of the selected requests", permissions=["change"])
    def retry_failed_emails_selected(self, request, queryset):
        notifications = Email.objects.filter(consultation_request__in=queryset.values("pk"))
        sent, failed = services.retry_failed_emails(notifications=notifications)
        if not sent and not failed:
            self.message_user(request, "The selected requests have no failed emails.", messages.INFO)
        if sent:
            self.message_user(request, f"{sent} failed email{'s' if sent > 1 else ''} sent.", messages.SUCCESS)
        if failed:
            plural = "s" if failed > 1 else ""
            self.message_user(
                request,
                f"{failed} email{plural} not sent yet (queued, or failed again). See the emails list.",
                messages.WARNING,
            )

    @admin.action(description="Export the selected requests as CSV (for a spreadsheet)", permissions=["export"])
    def export_csv(self, request, queryset):
        consultations = list(
            queryset.select_related("clinician").prefetch_related("treatments").order_by("created_at")
        )
        if not consultations:
            self.message_user(request, "There is nothing to export: no requests were selected.", messages.WARNING)
            return None
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="consultation-requests-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        response.write("\ufeff")  # a byte-order mark, so spreadsheets read the accents in names right
        write_consultations(
            consultations,
            response,
            with_personal_details=self._can_see_details(request),
            with_screening_answers=request.user.has_perm("bookings.view_screening_answers"),
        )
        # Who exported how many, never what: no personal data in the logs.
        logger.info("User %s exported %d consultation requests as CSV", request.user.pk, len(consultations))
        return response
