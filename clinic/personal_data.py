"""Which of a model's fields hold a patient's personal data, declared once, on the model.

A model that stores anything about a patient says so in one place:

    class ConsultationRequest(models.Model):
        ...
        personal_data = PersonalData(
            personal={"full_name": "Anonymised", "email": "", "contact_preference": KEPT},
            screening={"keloid_tendency": ""},
            internal={"id": KEPT, "token": ""},
            not_personal=["reference", "status", "created_at"],
            required=["full_name", "email", "token", "keloid_tendency"],
        )

Every concrete field (and many-to-many field) is in exactly one group;
tests/test_personal_data.py fails on a field that is in none:

- personal: the patient's details, their own words and what staff write about
  them. Only staff allowed to see patients' details see them; the patient's
  export holds them.
- screening: the patient's answers to the health questions: only clinicians
  see them; the export holds them.
- internal: the service's own keys and secrets (ids, the status link's token,
  one-way hashes): never exported.
- not_personal: statuses, dates, links to other records: seen by any member of
  staff who sees the record, exported, kept.

For personal, screening and internal fields the mapping says what the field
becomes when the patient's data is erased (anonymised): a value, or KEPT when
it stays. `required` fields may be blank only once the data is erased.
`derived` names properties that reveal personal data, with the group whose
rule applies to them (say, a summary of the screening answers that any staff
member allowed to see patients' details may see).

Admin hiding, the staff CSV, the privacy export and anonymisation all read
the declaration (`kind`, `exported_fields`, `erase`, `erased_values`).
"""

from django.core.exceptions import ImproperlyConfigured, ValidationError

PERSONAL = "personal"
SCREENING = "screening"
INTERNAL = "internal"
NOT_PERSONAL = "not_personal"


class _Kept:
    def __repr__(self):
        return "KEPT"


KEPT = _Kept()
"""What a field "becomes" when it stays as it is on erasure."""


class PersonalData:
    """One model's classification of its fields (see the module's docstring).

    `personal`, `screening` and `internal` map field names to the value each
    takes on erasure (or KEPT); `not_personal` lists names; `required` lists the
    fields that may be blank only once erased; `derived` maps property names to
    the kind (PERSONAL or SCREENING) whose visibility rule they follow. Raises
    ImproperlyConfigured when a name is in two groups.
    """

    def __init__(self, *, personal=None, screening=None, internal=None, not_personal=(), required=(), derived=None):
        self.erased_to = {**(personal or {}), **(screening or {}), **(internal or {})}
        self.kinds = {}
        groups = [(PERSONAL, personal or {}), (SCREENING, screening or {}), (INTERNAL, internal or {})]
        groups += [(NOT_PERSONAL, not_personal), *[(kind, [name]) for name, kind in (derived or {}).items()]]
        for kind, names in groups:
            for name in names:
                if name in self.kinds:
                    raise ImproperlyConfigured(f"{name!r} is declared both {self.kinds[name]} and {kind}.")
                self.kinds[name] = kind
        self.derived = set(derived or ())
        self.required = list(required)
        self.model = None

    def contribute_to_class(self, model, name):
        """Called by Django when the model class is made: remembers the model and
        becomes `model.<name>` (a plain attribute, not a field)."""
        self.model = model
        setattr(model, name, self)

    def __repr__(self):
        return f"<PersonalData of {self.model.__name__ if self.model else '?'}>"

    def _fields_of(self, *kinds):
        return [name for name, kind in self.kinds.items() if kind in kinds and name not in self.derived]

    @property
    def screening(self):
        """Names of the screening answers, in declaration order."""
        return self._fields_of(SCREENING)

    def kind(self, name):
        """PERSONAL, SCREENING, INTERNAL or NOT_PERSONAL for a declared field or
        derived property; KeyError for a name the declaration does not know."""
        return self.kinds[name]

    def unclassified(self):
        """The model's concrete and many-to-many fields that are in no group, and
        declared names that are not fields (or derived properties) of the model."""
        fields = {field.name for field in [*self.model._meta.concrete_fields, *self.model._meta.many_to_many]}
        declared = set(self.kinds) - self.derived
        return sorted(fields - declared), sorted(declared - fields)

    def exported_fields(self):
        """The concrete fields a patient's export holds: every one but the internal ones."""
        return [field for field in self.model._meta.concrete_fields if self.kinds.get(field.name) != INTERNAL]

    def erased_values(self):
        """{field name: value on erasure} for every field that does not stay: what
        `QuerySet.update(**...)` needs to erase rows of the model."""
        return {name: value for name, value in self.erased_to.items() if value is not KEPT}

    def erase(self, obj):
        """Set each of `obj`'s erasable fields to its erased value (not saved).
        Returns the names changed, for `save(update_fields=...)`."""
        values = self.erased_values()
        for name, value in values.items():
            setattr(obj, name, value)
        return list(values)

    def missing_required(self, obj):
        """{name: ValidationError} for each `required` field `obj` leaves blank."""
        return {
            name: ValidationError("This field cannot be blank.", code="blank")
            for name in self.required
            if not getattr(obj, name)
        }

    def values(self, obj, kinds=(PERSONAL, SCREENING)):
        """{field name: value as a person reads it} for `obj`'s fields of the given kinds."""
        data = {}
        for name in self._fields_of(*kinds):
            field = self.model._meta.get_field(name)
            value = getattr(obj, field.attname)
            data[name] = getattr(obj, f"get_{name}_display")() if field.choices and value else value
        return data
