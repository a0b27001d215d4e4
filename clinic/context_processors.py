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
        "regulator": settings.CLINIC_REGULATOR,
        "regulator_url": settings.CLINIC_REGULATOR_URL,
        "regulator_number": settings.CLINIC_REGULATOR_NUMBER,
        "regulator_number_is_sample": settings.CLINIC_REGULATOR_NUMBER_IS_SAMPLE,
        "ico_number": settings.CLINIC_ICO_NUMBER,
        "ico_number_is_sample": settings.CLINIC_ICO_NUMBER_IS_SAMPLE,
    }


def clinic(request):
    """The clinic's details for every template (bookings and treatments add the opening
    hours and the consultation fee with their own context processors)."""
    return {"clinic": clinic_details()}
