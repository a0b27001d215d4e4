"""Text that looks empty counts as empty, and one-line answers keep no direction
controls: in every form of the site, public and staff (clinic/text.py, clinic/forms.py)."""

import importlib
import inspect

import pytest
from django import forms
from django.contrib import admin
from django.db import models

from clinic.forms import PlainTextFormMixin
from clinic.text import has_visible_text, plain_text
from tests.factories import make_treatment
from tests.treatments.test_comments_posting import comments_url
from tests.treatments.test_comments_posting import form_data as comment_data
from treatments.models import Comment

LOOKS_EMPTY = [
    "\u3164\u3164\u3164",  # Hangul filler
    "\u115f\u1160",  # Hangul choseong and jungseong fillers
    "\uffa0",  # halfwidth Hangul filler
    "\u2800\u2800",  # Braille blank
    "\u200b\u200b",  # zero-width spaces
    "\u200c\u200d\u2060\ufeff",  # joiners, word joiner, byte order mark
    "\u00ad\u034f\u180e",  # soft hyphen, combining grapheme joiner, Mongolian vowel separator
    "\ufe0f\U000e0041\U000e007f",  # a variation selector and tag characters
    "\u202e\u202c\u200f",  # direction controls
    "\u3000\u00a0\u2028",  # ideographic and no-break spaces, line separator
    "\u0301\u0308",  # combining marks with nothing to combine with
    "\ue000\U000f0000",  # private use
]
VISIBLE = [
    "Zoë",
    "e\u0301",
    "زينب",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "·",
    "0",
]


@pytest.mark.parametrize("text", LOOKS_EMPTY)
def test_text_made_only_of_invisible_characters_counts_as_nothing(text):
    assert not has_visible_text(text)
    assert plain_text(f" {text} ", one_line=True) == ""
    assert plain_text(f"\n{text}\n", one_line=False) == ""


@pytest.mark.parametrize("text", VISIBLE)
def test_letters_digits_emoji_and_their_joiners_are_kept_as_typed(text):
    assert has_visible_text(text)
    assert plain_text(text, one_line=True) == text
    assert plain_text(text, one_line=False) == text


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Zelda \u202egnp.exe\u202c", "Zelda gnp.exe"),
        ("\u2067Alex\u2069 Patient", "Alex Patient"),
        ("\u200fAlex\u200e", "Alex"),
        ("\u200bAl\u200bex\u3164", "Alex"),
        ("\u202aAlex\u202d Patient\u202b", "Alex Patient"),
    ],
)
def test_one_line_text_loses_direction_controls_and_zero_width_characters(typed, kept):
    assert plain_text(typed, one_line=True) == kept


def test_longer_text_loses_direction_overrides_but_keeps_the_marks_right_to_left_writing_needs():
    typed = "\u202eI have scars\u202c on both cheeks.\nשלום\u200f (Hebrew)"
    assert plain_text(typed, one_line=False) == "I have scars on both cheeks.\nשלום\u200f (Hebrew)"


# --- Through the forms ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("body", "\u3164\u3164\u3164", "Write your comment."),
        ("body", "\u2800 \u2800", "Write your comment."),
        ("author_name", "\u3164", "Enter the name to show with your comment."),
        ("author_name", "\u200b\u202e", "Enter the name to show with your comment."),
    ],
)
def test_a_comment_or_name_that_looks_empty_is_refused(client, field, typed, message):
    treatment = make_treatment()
    response = client.post(comments_url(treatment), comment_data(**{field: typed}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Comment.objects.count() == 0


@pytest.mark.django_db
def test_a_commenters_name_with_a_direction_override_is_shown_as_typed_in_order(client, settings):
    settings.COMMENTS_HELD_FOR_MODERATION = False
    treatment = make_treatment()
    client.post(comments_url(treatment), comment_data(author_name="Zelda \u202egnp.exe\u202c"))
    assert Comment.objects.get().author_name == "Zelda gnp.exe"


# --- Every form, now and later -------------------------------------------------------------------

APP_MODULES = ["treatments.forms", "bookings.forms", "bookings.admin.forms", "privacy.admin", "treatments.admin"]


def typed_text_fields(form_class):
    """The fields of `form_class` a person types text into."""
    return [
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput | forms.PasswordInput)
    ]


def project_forms():
    for module_name in APP_MODULES:
        module = importlib.import_module(module_name)
        for name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module_name:
                yield pytest.param(value, id=f"{module_name}.{name}")


@pytest.mark.parametrize("form_class", list(project_forms()))
def test_every_form_with_typed_text_keeps_only_what_a_person_can_see(form_class):
    if typed_text_fields(form_class):
        assert issubclass(form_class, PlainTextFormMixin)


def clinic_admins():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in {"treatments", "bookings", "privacy"}:
            yield pytest.param(model_admin, id=model._meta.label)


@pytest.mark.parametrize("model_admin", list(clinic_admins()))
def test_every_admin_form_with_typed_text_keeps_only_what_a_person_can_see(rf, admin_user, model_admin):
    request = rf.get("/")
    request.user = admin_user
    for editor in [model_admin, *model_admin.get_inline_instances(request)]:
        if not editor.has_add_permission(request, *([None] if editor is not model_admin else [])):
            continue
        form_class = editor.get_form(request) if editor is model_admin else editor.get_formset(request).form
        text_fields = [
            name
            for name in typed_text_fields(form_class)
            if isinstance(editor.model._meta.get_field(name), models.CharField | models.TextField)
        ]
        if text_fields:
            assert issubclass(form_class, PlainTextFormMixin), (editor, text_fields)


@pytest.mark.django_db
def test_a_comment_typed_over_several_lines_is_kept_with_plain_line_breaks(client, settings):
    settings.COMMENTS_HELD_FOR_MODERATION = False
    treatment = make_treatment()
    client.post(comments_url(treatment), comment_data(body="Two sessions so far.\r\nLess redness.\rWorth it."))
    assert Comment.objects.get().body == "Two sessions so far.\nLess redness.\nWorth it."
