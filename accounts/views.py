"""Staff sign-in in two steps, on the admin site's URLs.

1. `password_step` (admin's login page): username and password. Right, and the
   account is active staff: the session remembers *who is signing in*, but no
   one is signed in yet.
2. `code_step`: the six-digit code from the staff member's authenticator app
   (TOTP). Right: now the session is signed in and verified, and admin opens.
   A backup code (django-otp's static device) works instead, once.
   An account without an authenticator app goes to `setup_step` instead, which
   sets one up only for a session that opened a set-up link a superuser issued
   for this account (`enrol`; the design is in accounts/services.py): a new key
   each time, as a QR code and as text, and a first code before it counts.

A wrong password and a wrong code both count as failed sign-ins for
django-axes: five for one username from one address lock that pair out for an
hour (the lockout page is `lockout_response`). django-otp also slows down
repeated wrong codes on a device.

No session is ever signed in on the password alone, so every staff session in
the site (admin, draft previews) has passed both steps.
"""

import time
from base64 import b32encode

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import CodeForm, PasswordStepForm
from accounts.middleware import mark_signed_in

PENDING_SESSION_KEY = "staff_signin_pending"
# The hash of the set-up link this session opened, and the key its set-up page showed last.
ENROLMENT_SESSION_KEY = "staff_enrolment_link"
SETUP_KEY_SESSION_KEY = "staff_setup_key"


# --- The signing-in state between the two steps ---------------------------------------


def _safe_next(request, site):
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index", current_app=site.name)


def _start(request, user, next_url):
    """Remember who passed the password step, under a fresh session key."""
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "auth_hash": user.get_session_auth_hash(),
        "at": time.time(),
        "next": next_url,
    }


def _pending(request):
    """The staff member between the two steps, and where they were going; (None, None)
    when no one is, the password step was too long ago, or the password changed since."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None, None
    if time.time() - pending.get("at", 0) > settings.STAFF_SIGNIN_PENDING_SECONDS:
        del request.session[PENDING_SESSION_KEY]
        return None, None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True, is_staff=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), pending.get("auth_hash", "")):
        del request.session[PENDING_SESSION_KEY]
        return None, None
    user.backend = pending["backend"]
    return user, pending["next"]


def _finish(request, user, device, next_url):
    """Both steps passed: sign the session in, verified by `device`."""
    request.session.pop(PENDING_SESSION_KEY, None)
    auth_login(request, user, backend=user.backend)  # a new session key again
    django_otp.login(request, device)
    mark_signed_in(request)
    return redirect(next_url)


def _start_again(request, site):
    messages.info(request, "Please sign in again: the code must follow the password within five minutes.")
    return redirect(reverse("admin:login", current_app=site.name))


def confirmed_device(user):
    """The staff member's confirmed authenticator app (TOTPDevice), or None."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def backup_device(user):
    """The staff member's backup codes (a StaticDevice) while any are left, else None."""
    return StaticDevice.objects.filter(user=user, confirmed=True, token_set__isnull=False).distinct().first()


# --- Failed codes count as failed sign-ins -----------------------------------------------


def _credentials(user):
    return {"username": user.get_username()}


def _locked_out(request, user):
    """The lockout page when this username is locked out from this address, else None."""
    if AxesProxyHandler.is_allowed(request, _credentials(user)):
        return None
    return get_lockout_response(request, None, _credentials(user))


def _wrong_code(request, user, form, device):
    """Record a wrong code as a failed sign-in (django-axes listens) and say what to do."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    allowed, details = True, None
    if device is not None:
        device.refresh_from_db()
        allowed, details = device.verify_is_allowed()
    if not allowed and details and details.get("locked_until"):
        wait = max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)
        form.add_error(
            "code", f"That code did not work. Wait {wait} second{pluralize(wait)}, then enter the newest code."
        )
    else:
        form.add_error(
            "code", "That code did not work. Enter the newest code; if it keeps failing, check the phone's clock."
        )


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows a locked-out sign-in (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    response = TemplateResponse(
        request,
        "admin/lockout.html",
        {"title": "Signing in is paused", "minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response.render()


# --- The steps -------------------------------------------------------------------------------


def _render(request, site, template, context, status=200):
    return TemplateResponse(request, template, {**site.each_context(request), **context}, status=status)


@sensitive_post_parameters("password")
@never_cache
def password_step(request, *, site, extra_context=None):
    if request.method == "GET" and site.has_permission(request):
        return redirect(reverse("admin:index", current_app=site.name))
    next_url = _safe_next(request, site)
    form = PasswordStepForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        _start(request, user, next_url)
        setting_up = _enrolment_link(request, user) is not None or confirmed_device(user) is None
        step = "admin:signin_setup" if setting_up else "admin:signin_code"
        return redirect(reverse(step, current_app=site.name))
    return _render(
        request,
        site,
        "admin/login.html",
        {
            "title": "Sign in",
            "form": form,
            "next": next_url,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            **(extra_context or {}),
        },
    )


@sensitive_post_parameters("code")
@never_cache
def code_step(request, *, site):
    """Step 2: a code from the authenticator app, or one of the backup codes."""
    user, next_url = _pending(request)
    if user is None:
        return _start_again(request, site)
    device = confirmed_device(user)
    if device is None:
        return redirect(reverse("admin:signin_setup", current_app=site.name))
    backup = backup_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None, backup_codes=backup is not None)
    if request.method == "POST":
        if lockout := _locked_out(request, user):
            return lockout
        if form.is_valid():
            used = backup if form.is_backup_code else device
            verified = django_otp.verify_token(user, used.persistent_id, form.cleaned_data["code"])
            if verified is not None:
                if verified == backup:
                    left = backup.token_set.count()
                    messages.warning(
                        request,
                        f"You signed in with a backup code; {left} left. Make new ones under “Backup codes”"
                        " when you run low.",
                    )
                return _finish(request, user, verified, next_url)
            _wrong_code(request, user, form, used)
    return _render(
        request,
        site,
        "admin/signin_code.html",
        {"title": "Enter your code", "form": form, "issuer": settings.OTP_TOTP_ISSUER},
    )


def _enrolment_link(request, user):
    """The usable set-up link this session opened, if it is for `user`; else None."""
    return services.usable_link(hashed=request.session.get(ENROLMENT_SESSION_KEY), user=user)


@never_cache
def enrol(request, token, *, site):
    """A set-up link a superuser issued: remember it in this session, then the
    password step (or straight to the set-up page if it is already done)."""
    link = services.usable_link(hashed=services.token_hash(token))
    if link is None:
        return _render(
            request,
            site,
            "admin/signin_link_invalid.html",
            {"title": "This set-up link no longer works"},
            status=400,
        )
    request.session[ENROLMENT_SESSION_KEY] = link.token_hash
    user, _next = _pending(request)
    if user is not None and user.pk == link.user_id:
        return redirect(reverse("admin:signin_setup", current_app=site.name))
    messages.info(request, "Sign in with your password to set up your authenticator app.")
    return redirect(reverse("admin:login", current_app=site.name))


@sensitive_post_parameters("code")
@never_cache
def setup_step(request, *, site):
    """Set up an authenticator app: only with a set-up link a superuser issued for
    this account (accounts/services.py explains why), after the password step.

    Each time the page is shown it makes a new key (dropping any earlier
    unconfirmed one); a first code from the app confirms it, uses up the link,
    removes the account's other keys and shows new backup codes once.
    """
    user, next_url = _pending(request)
    if user is None:
        return _start_again(request, site)
    link = _enrolment_link(request, user)
    if link is None:
        if confirmed_device(user) is not None:
            return redirect(reverse("admin:signin_code", current_app=site.name))
        return _render(request, site, "admin/signin_needs_link.html", {"title": "Ask for a set-up link"})
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if lockout := _locked_out(request, user):
            return lockout
        if form.is_valid():
            try:
                done = services.complete_enrolment(
                    link=link, device_id=request.session.get(SETUP_KEY_SESSION_KEY), code=form.cleaned_data["code"]
                )
            except services.EnrolmentError as error:
                form.add_error("code", str(error))
            else:
                if done is not None:
                    device, _backup, codes = done
                    request.session.pop(ENROLMENT_SESSION_KEY, None)
                    request.session.pop(SETUP_KEY_SESSION_KEY, None)
                    _finish(request, user, device, next_url)
                    return _render(
                        request,
                        site,
                        "admin/backup_codes.html",
                        {"title": "Your authenticator app is set up", "codes": codes, "next_url": next_url},
                    )
                pending = TOTPDevice.objects.filter(pk=request.session.get(SETUP_KEY_SESSION_KEY)).first()
                _wrong_code(request, user, form, pending)
                if pending is not None:
                    return _render_setup(request, site, form, user, pending)
    device = services.new_pending_key(user=user)
    request.session[SETUP_KEY_SESSION_KEY] = device.pk
    return _render_setup(request, site, form, user, device)


def _render_setup(request, site, form, user, device):
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return _render(
        request,
        site,
        "admin/signin_setup.html",
        {
            "title": "Set up your authenticator app",
            "form": form,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "config_url": device.config_url,
            "qr_code": qr.svg_data_uri(scale=5, border=2, dark="#000", light="#fff"),
            "issuer": settings.OTP_TOTP_ISSUER,
            "account": user.get_username(),
        },
    )


@sensitive_post_parameters()
@never_cache
def backup_codes(request, *, site):
    """A signed-in staff member's backup codes: how many are left, and (POST) a
    new set, shown once, that replaces the old one."""
    device = backup_device(request.user)
    context = {"title": "Backup codes", "left": device.token_set.count() if device else 0}
    if request.method == "POST":
        context |= {"codes": services.renew_backup_codes(user=request.user), "next_url": None}
        return _render(request, site, "admin/backup_codes.html", context)
    return _render(request, site, "admin/backup_codes_manage.html", context)
