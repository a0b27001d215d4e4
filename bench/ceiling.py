"""The ceiling: the smallest Django application, one view returning ~10 KB.

No Django page can be served faster than this on the same machine, server and
worker count, so the benchmark reports every page as a ratio to it.
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

BODY = ("<!doctype html><title>ceiling</title>\n" + ("<p>" + "x" * 96 + "</p>\n") * 100)[:10240].encode()

settings.configure(
    DEBUG=False,
    SECRET_KEY="benchmark-ceiling-only",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)


def page(request):
    return HttpResponse(BODY)


urlpatterns = [path("", page)]

application = get_wsgi_application()
