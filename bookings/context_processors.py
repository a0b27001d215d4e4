from bookings.models import opening_hours


def hours(request):
    """`opening_hours` for every template (the footer shows them): the function, which
    templates call only where they show the hours; its result is cached."""
    return {"opening_hours": opening_hours}
