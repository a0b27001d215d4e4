"""Admin pages that hide patients' data by the model's own declaration (clinic.personal_data).

A ModelAdmin or inline with `PersonalDataAdminMixin` shows the model's personal
fields (and internal ones) only to staff for whom `sees_personal_data` is true,
and the screening answers only to those for whom `sees_screening_answers` is
true as well: in fieldsets, fields, list columns and search fields alike.
The list's query string cannot filter on what is hidden either (`?email=...`,
`?keloid_tendency=yes`, through relations too: `status_changes__note`): such a
lookup is refused as Django refuses any disallowed one (DisallowedModelAdminLookup,
"Bad Request (400)"), so no count of rows depends on a hidden field. Internal
fields (tokens, hashes, keys) are never filtered on, the primary key aside: a
filter on a visitor's hash would tell staff which rows came from one person.
`PersonalDataLookupsMixin` alone refuses those lookups on pages that hide nothing.
Sorting (`?o=`) counts the visible columns only, so it cannot reach a hidden one.
A computed column or field (a method) says in `shows` which fields or
properties it shows, so it is hidden with them; a name that is neither
declared nor in `shows` raises ImproperlyConfigured when the page is built.
"""

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models.constants import LOOKUP_SEP

from clinic.personal_data import INTERNAL, NOT_PERSONAL, PERSONAL, SCREENING

# How private each kind is: staff who see patients' details see up to 1, clinicians up to 2.
PRIVACY = {NOT_PERSONAL: 0, PERSONAL: 1, INTERNAL: 1, SCREENING: 2}


class PersonalDataLookupsMixin:
    """Refuses list query-string lookups on internal fields and, on models reached
    through relations, on fields more private than the user may see (see the module).

    For an admin page that shows the model's fields to whoever opens it (say, the
    comments, which moderators read in full): it hides nothing, but `?client_hash=`
    is refused all the same. PersonalDataAdminMixin adds the hiding."""

    def allowed_privacy(self, request):
        """The most private kind `request.user` may see here, as a PRIVACY level: on a page
        that hides nothing, personal data (never, through a relation, screening answers)."""
        return PRIVACY[PERSONAL]

    def lookup_visible(self, request, lookup):
        """False when the query-string `lookup` ("keloid_tendency__in",
        "statuschange__note") names, on this model or one it reaches through
        relations, a field `request.user` may not see or an internal one (not
        the primary key), by each model's `personal_data`; True otherwise."""
        allowed = self.allowed_privacy(request)
        model = self.model
        for part in lookup.split(LOOKUP_SEP):
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return True  # a transform or a lookup ("year", "in"), or no field: Django ignores those
            kind = getattr(model, "personal_data", None) and model.personal_data.kinds.get(field.name)
            if kind == INTERNAL and not field.primary_key:
                return False
            if kind is not None and PRIVACY[kind] > allowed:
                return False
            model = field.related_model if field.is_relation else None
            if model is None:
                return True
        return True

    def lookup_allowed(self, lookup, value, request=None):
        """Django's rule, and never on a field `request.user` may not see (see `lookup_visible`)."""
        if request is not None and not self.lookup_visible(request, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


class PersonalDataAdminMixin(PersonalDataLookupsMixin):
    """Hides what `self.model.personal_data` declares personal or screening (see the module)."""

    personal_permission = None  # "app.codename" that reveals personal fields; or override sees_personal_data
    screening_permission = None  # "app.codename" that also reveals screening answers
    shows = {}  # {computed column or field: [the model fields or derived properties it shows]}

    def sees_personal_data(self, request):
        return self.personal_permission is not None and request.user.has_perm(self.personal_permission)

    def sees_screening_answers(self, request):
        return self.screening_permission is not None and request.user.has_perm(self.screening_permission)

    def privacy(self, name):
        """How private the most private data is that the column or field `name` shows (see PRIVACY)."""
        declaration = self.model.personal_data
        if name in self.shows:
            shown = self.shows[name]
        elif name in declaration.kinds:
            shown = [name]
        else:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: say in `shows` which fields {name!r} shows, or declare it on "
                f"{self.model.__name__}.personal_data."
            )
        return max((PRIVACY[declaration.kind(each)] for each in shown), default=0)

    def allowed_privacy(self, request):
        """The most private kind `request.user` may see here, as a PRIVACY level (0, 1 or 2)."""
        if not self.sees_personal_data(request):
            return 0
        return 2 if self.sees_screening_answers(request) else 1

    def visible(self, request, names):
        """`names` (columns, fields or search fields; a search field may carry a
        lookup, "email__iexact") without those `request.user` may not see."""
        allowed = self.allowed_privacy(request)
        return [name for name in names if self.privacy(name.lstrip("^=@").split("__")[0]) <= allowed]

    def get_fieldsets(self, request, obj=None):
        fieldsets = []
        for title, options in super().get_fieldsets(request, obj):
            fields = self.visible(request, options["fields"])
            if fields:
                fieldsets.append((title, {**options, "fields": fields}))
        return fieldsets

    def get_fields(self, request, obj=None):
        return self.visible(request, super().get_fields(request, obj))

    def get_list_display(self, request):
        return self.visible(request, super().get_list_display(request))

    def get_search_fields(self, request):
        return self.visible(request, super().get_search_fields(request))
