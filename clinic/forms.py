import functools

from django import forms

from clinic.text import plain_text

# Fields a person never types into, or whose every character counts.
UNTOUCHED_WIDGETS = (forms.HiddenInput, forms.PasswordInput)


class PlainTextFormMixin:
    """Every text field of the form keeps only what a person can see (clinic/text.py).

    Before the fields are cleaned, each typed text answer loses its bidirectional
    controls and the invisible characters at its ends (one-line fields: every
    invisible format character), and an answer with nothing visible becomes
    empty. So a required field made of fillers or zero-width spaces gets its own
    "required" message, lengths count what shows, and the form's `clean_<field>`
    and `clean()` methods see the text as it will be kept. Multi-line answers
    (Textarea) get LF line endings: browsers post CRLF, and text stored with
    LF must compare equal to the same text posted back unchanged.
    """

    def full_clean(self):
        if self.is_bound:
            self.data = self._with_plain_text(self.data)
        super().full_clean()

    def _with_plain_text(self, data):
        data = data.copy()
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField) or isinstance(field.widget, UNTOUCHED_WIDGETS):
                continue
            key = self.add_prefix(name)
            value = field.widget.value_from_datadict(data, self.files, key)
            if isinstance(value, str):
                multi_line = isinstance(field.widget, forms.Textarea)
                if multi_line:
                    value = unix_line_endings(value)
                data[key] = plain_text(value, one_line=not multi_line)
        return data


def unix_line_endings(text):
    """`text` (str) with every CRLF and lone CR turned into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class PlainTextModelForm(PlainTextFormMixin, forms.ModelForm):
    """A ModelForm whose text fields keep only what a person can see (for admin)."""


@functools.cache
def with_plain_text(form_class):
    """`form_class` with PlainTextFormMixin first among its bases (itself if it has it).
    The staff admin site gives every ModelAdmin's and inline's form this, so a model
    registered later keeps only visible text without anyone remembering to."""
    if issubclass(form_class, PlainTextFormMixin):
        return form_class
    return type(form_class.__name__, (PlainTextFormMixin, form_class), {"__module__": form_class.__module__})
