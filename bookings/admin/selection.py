from django.contrib import messages
from django.contrib.admin import helpers
from django.shortcuts import redirect

# Longer ids do not fit a database integer (and do not exist).
MAX_ID_DIGITS = 18


def is_id(value):
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS


class SafeSelectionMixin:
    """A hand-made post to a list with a malformed selection ("abc", a huge number)
    gets a message instead of a server error (Django would pass it to the database)."""

    def response_action(self, request, queryset):
        if not all(is_id(value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            self.message_user(request, "That selection is not valid. Tick the items again.", messages.ERROR)
            return redirect(request.get_full_path())
        return super().response_action(request, queryset)
