from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm


class PasswordStepForm(AdminAuthenticationForm):
    """Username and password of an active staff account: the first of two steps."""


class CodeForm(forms.Form):
    """The six-digit code an authenticator app shows."""

    code = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        max_length=20,
        error_messages={
            "required": "Enter the six-digit code your authenticator app shows.",
            "invalid": "Enter the six digits your authenticator app shows, without spaces.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()
