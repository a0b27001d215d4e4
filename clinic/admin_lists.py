"""Admin lists that survive hostile query strings.

Django admin turns most malformed filters into a redirect to the plain list
(`?e=1`), but some only fail when the query is compiled or run: a year too
large for a C long, year 0 or -1, a NUL byte PostgreSQL refuses, a number
too large for the column. `guard_changelist` catches exactly those for every
registered ModelAdmin (the staff admin site wraps each changelist view with
it), so staff get the whole list back with a short message, never a 500.
`SafeSelectionMixin` does the same for a list's action with a malformed selection.
"""

import functools
from contextlib import nullcontext

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import FieldError, ValidationError
from django.db import DataError, connection, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst

# What a malformed lookup value raises while the list is filtered, counted or rendered.
MALFORMED_LOOKUP_ERRORS = (
    DataError,
    FieldError,
    IncorrectLookupParameters,
    OverflowError,
    ValidationError,
    ValueError,
)
NOT_APPLIED = "That filter or search could not be applied, so the whole list is shown."


def guard_changelist(changelist_view):
    """Wrap a ModelAdmin's `changelist_view` so a GET whose filters, search or
    dates cannot be applied redirects to the unfiltered list (`?e=1`, as Django
    does for the lookups it refuses itself) with a message saying why.

    The page is rendered inside the guard (its rows are read while rendering),
    and inside a savepoint when a transaction is already open, so a refused
    statement on PostgreSQL leaves the transaction usable. A second failure on
    the plain list (`?e=1`) is a real fault and is raised as usual.
    """

    @functools.wraps(changelist_view)
    def view(request, *args, **kwargs):
        if request.method != "GET" or ERROR_FLAG in request.GET:
            return changelist_view(request, *args, **kwargs)
        try:
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                response = changelist_view(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
        except MALFORMED_LOOKUP_ERRORS:
            response = HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        if response.status_code == 302 and response["Location"].endswith(f"?{ERROR_FLAG}=1"):
            messages.warning(request, NOT_APPLIED)  # also when Django itself refused the lookup
        return response

    return view


# Longer ids do not fit a database integer (and do not exist).
MAX_ID_DIGITS = 18


def is_id(value):
    """Whether `value` (from a form or query string) can be a row's id: ASCII digits, no more than MAX_ID_DIGITS."""
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS


def missing_object_redirect(model_admin, request, object_id):
    """What admin's own pages do for an id that matches nothing (deleted meanwhile, or
    typed): a warning naming it, and a redirect to the admin index. For a ModelAdmin's
    extra pages (workflow steps, answer forms, previews)."""
    name = capfirst(model_admin.opts.verbose_name)
    model_admin.message_user(
        request,
        f"{name} with ID “{unquote(object_id)}” doesn’t exist. Perhaps it was deleted?",
        messages.WARNING,
    )
    return redirect(reverse("admin:index", current_app=model_admin.admin_site.name))


class SafeSelectionMixin:
    """A hand-made post to a list with a malformed selection ("abc", a huge number)
    gets a message instead of a server error (Django would pass it to the database)."""

    def response_action(self, request, queryset):
        if not all(is_id(value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            self.message_user(request, "That selection is not valid. Tick the items again.", messages.ERROR)
            return redirect(request.get_full_path())
        return super().response_action(request, queryset)
