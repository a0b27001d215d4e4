"""Post an admin change form back as a browser would, with some fields changed."""


def _field_values(form, data):
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        data[form.add_prefix(name)] = value if isinstance(value, (list, tuple)) else str(value)


def change_form_data(page_response, **changes):
    """The data of the admin change form in `page_response`, inlines included,
    with `changes` applied (names as posted, e.g. "faqs-0-answer")."""
    data = {}
    _field_values(page_response.context["adminform"].form, data)
    for inline in page_response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for form in formset.forms:
            _field_values(form, data)
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}
