from django.conf import settings


def clinic_details():
    """The clinic's public details, from settings only (no database), so the
    error pages can show them too."""
    return {
        "name": settings.CLINIC_NAME,
        "address": settings.CLINIC_ADDRESS,
        "phone": settings.CLINIC_PHONE,
        "email": settings.CLINIC_EMAIL,
        "site_url": settings.SITE_URL,
    }


def clinic(request):
    from bookings.models import opening_hours

    # The template calls opening_hours only where it is shown, and it is cached.
    return {"clinic": clinic_details(), "opening_hours": opening_hours}
