"""Staff sign-in in two steps, on the admin site's URLs.

1. `password_step` (admin's login page): username and password. Right, and the
   account is active staff: the session remembers *who is signing in*, but no
   one is signed in yet.
2. `code_step`: the six-digit code from the staff member's authenticator app
   (TOTP). Right: now the session is signed in and verified, and admin opens.
   An account without an authenticator app goes to `setup_step` instead, which
   shows a new secret and asks for a first code before it counts.

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
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import CodeForm, PasswordStepForm

PENDING_SESSION_KEY = "staff_signin_pending"
DEVICE_NAME = "Authenticator app"


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
    return redirect(next_url)


def _start_again(request, site):
    messages.info(request, "Please sign in again: the code must follow the password within five minutes.")
    return redirect(reverse("admin:login", current_app=site.name))


def confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


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
    device.refresh_from_db()
    allowed, details = device.verify_is_allowed()
    if not allowed and details and details.get("locked_until"):
        wait = max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)
        form.add_error("code", f"That code did not work. Wait {wait} seconds, then enter the newest code.")
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


def _render(request, site, template, context):
    return TemplateResponse(request, template, {**site.each_context(request), **context})


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
        step = "admin:signin_code" if confirmed_device(user) else "admin:signin_setup"
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
    user, next_url = _pending(request)
    if user is None:
        return _start_again(request, site)
    device = confirmed_device(user)
    if device is None:
        return redirect(reverse("admin:signin_setup", current_app=site.name))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if lockout := _locked_out(request, user):
            return lockout
        if form.is_valid():
            verified = django_otp.verify_token(user, device.persistent_id, form.cleaned_data["code"])
            if verified is not None:
                return _finish(request, user, verified, next_url)
            _wrong_code(request, user, form, device)
    return _render(
        request,
        site,
        "admin/signin_code.html",
        {"title": "Enter your code", "form": form, "issuer": settings.OTP_TOTP_ISSUER},
    )


@sensitive_post_parameters("code")
@never_cache
def setup_step(request, *, site):
    """Set up an authenticator app for a staff account that has none yet.

    The secret is made once and shown until a first code from it is entered;
    only then does it count (and sign the session in). Staff who lost their
    phone ask an administrator to run `manage.py reset_totp <username>`, then
    come back here.
    """
    user, next_url = _pending(request)
    if user is None:
        return _start_again(request, site)
    if confirmed_device(user) is not None:
        return redirect(reverse("admin:signin_code", current_app=site.name))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if lockout := _locked_out(request, user):
            return lockout
        if form.is_valid():
            with transaction.atomic():
                device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
                if device.verify_token(form.cleaned_data["code"]):
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            if device.confirmed:
                messages.success(
                    request, "Your authenticator app is set up. You will need a code from it each time you sign in."
                )
                return _finish(request, user, device, next_url)
            _wrong_code(request, user, form, device)
    secret = b32encode(device.bin_key).decode()
    return _render(
        request,
        site,
        "admin/signin_setup.html",
        {
            "title": "Set up your authenticator app",
            "form": form,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "config_url": device.config_url,
            "issuer": settings.OTP_TOTP_ISSUER,
            "account": user.get_username(),
        },
    )
