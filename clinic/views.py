import logging
import sys
from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.db import DatabaseError, connection
from django.http import (
    HttpResponse,
    HttpResponseForbidden,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from clinic import cookies
from clinic.context_processors import clinic_details
from clinic.middleware import DATABASE_UNAVAILABLE, database_unavailable_response
from clinic.pagecache import page_cache

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness for load balancers: 200 while the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database did not answer")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """The 500 page, rendered without context processors or the database:
    whatever broke the request must not break its error page too.

    A database outage outside a view (a session saved after it, say) gets the
    503 page instead, as it does inside one (clinic.middleware)."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable_response()
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"clinic": clinic_details()}))


NO_ACCESS = "Your account does not have permission for this page. Ask a clinic administrator if you need it."


def permission_denied(request, exception):
    """The 403 page. Staff refused a page inside admin get an admin page (header,
    breadcrumbs, a way back to the admin index) saying so, with the reason given by
    `PermissionDenied("...")` if any; everyone else gets Django's own 403 page."""
    user = getattr(request, "user", None)
    if not (user is not None and user.is_active and user.is_staff and request.path.startswith(reverse("admin:index"))):
        return defaults.permission_denied(request, exception)
    context = {
        **admin.site.each_context(request),
        "title": "You don't have access to this page",
        "message": str(exception) or NO_ACCESS,
    }
    return render(request, "admin/permission_denied.html", context, status=403)


def csrf_failure(request, reason=""):
    """A form sent without its security token (an expired page, blocked cookies
    or a forged post): a clear page, HTTP 403, and nothing stored."""
    response = loader.get_template("403_csrf.html").render({"clinic": clinic_details()}, request)
    return HttpResponseForbidden(response)


@require_GET
def favicon(request):
    """/favicon.ico, which browsers ask for whatever the page links: a permanent
    redirect to the site's SVG icon at its unhashed static address (stable across
    deploys, so the redirect may be cached for good)."""
    return HttpResponsePermanentRedirect(f"{settings.STATIC_URL}img/favicon.svg")


@require_GET
def security_txt(request):
    """/.well-known/security.txt (RFC 9116): where to report a vulnerability."""
    expires = (timezone.now() + timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: mailto:{settings.CLINIC_SECURITY_EMAIL}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: en",
        f"Canonical: {settings.SITE_URL}/.well-known/security.txt",
        f"Policy: {settings.SITE_URL}/privacy/",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# --- The clinic's pages: contact, and the statements a UK clinic publishes ---------------


@method_decorator(page_cache, name="get")
class ClinicPageView(TemplateView):
    """A page about the clinic, the same for every visitor: cached like the content pages."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(canonical_url=f"{settings.SITE_URL}{self.request.path}", **kwargs)


class CookiesView(ClinicPageView):
    """Every cookie the site sets, from the one list in clinic/cookies.py."""

    template_name = "cookies.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(cookies=cookies.cookies(), **kwargs)


class AccessibilityView(ClinicPageView):
    """The accessibility statement (WCAG 2.2 AA; how the browser tests check it)."""

    template_name = "accessibility.html"


class ComplaintsView(ClinicPageView):
    """How to complain to the clinic, then beyond it; the regulator registration."""

    template_name = "complaints.html"
