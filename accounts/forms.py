import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm

TOTP_CODE = re.compile(r"\d{6}")
# django-otp's backup codes: eight letters and digits (base32, lower case); staff may type
# them in capitals or with a space or hyphen in the middle, as they are printed.
BACKUP_CODE = re.compile(r"[a-z2-7]{8}")


class PasswordStepForm(AdminAuthenticationForm):
    """Username and password of an active staff account: the first of two steps."""


class CodeForm(forms.Form):
    """The six-digit code an authenticator app shows (or, where `backup_codes`, one
    of the staff member's backup codes instead). `cleaned_data["code"]` is the code
    without spaces or hyphens, lower case."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        error_messages={"required": "Enter the six-digit code your authenticator app shows."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 10}
        ),
    )

    def __init__(self, *args, backup_codes=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.backup_codes = backup_codes
        if backup_codes:
            self.fields["code"].label = "Code from your authenticator app, or a backup code"
            self.fields["code"].widget.attrs["inputmode"] = "text"

    def clean_code(self):
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()
        if TOTP_CODE.fullmatch(code) or (self.backup_codes and BACKUP_CODE.fullmatch(code)):
            return code
        if self.backup_codes:
            raise forms.ValidationError(
                "Enter the six digits your authenticator app shows, or one of your eight-character backup codes."
            )
        raise forms.ValidationError("Enter the six digits your authenticator app shows, without spaces.")

    @property
    def is_backup_code(self):
        return not TOTP_CODE.fullmatch(self.cleaned_data["code"])
