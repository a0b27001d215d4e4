import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

from clinic.context_processors import clinic_details

logger = logging.getLogger(__name__)

# What Django raises when the database cannot be reached or drops the connection.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


class PermissionsPolicyMiddleware:
    """Tell browsers this site never uses the camera, microphone, location or payments."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def database_unavailable_response():
    """The friendly 503 page, rendered without the database or the request's context."""
    template = loader.get_template("503.html")
    response = HttpResponse(template.render({"clinic": clinic_details()}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached gives patients a clear "try again in a
    few minutes" page (HTTP 503, so load balancers and crawlers know it is
    temporary), never a traceback or a 500.

    Nothing needs restarting when the database is back: connections are
    health-checked before reuse (CONN_HEALTH_CHECKS), so the next request opens
    a fresh one. Errors outside views (a session saved after the view, say)
    reach `clinic.views.server_error`, which answers the same page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        # The error's class and message say what failed; the path could hold a patient's private link.
        logger.error("The database is unavailable (%s: %s); answered 503", type(exception).__name__, exception)
        return database_unavailable_response()
