"""Admin lists that survive hostile query strings.

Django admin turns most malformed filters into a redirect to the plain list
(`?e=1`), but some only fail when the query is compiled or run: a year too
large for a C long, year 0 or -1, a NUL byte PostgreSQL refuses, a number
too large for the column. `guard_changelist` catches exactly those for every
registered ModelAdmin (the staff admin site wraps each changelist view with
it), so staff get the whole list back with a short message, never a 500.
"""

import functools
from contextlib import nullcontext

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import FieldError, ValidationError
from django.db import DataError, connection, transaction
from django.http import HttpResponseRedirect

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
