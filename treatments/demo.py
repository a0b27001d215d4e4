"""Demo content: fictional sample clinicians, and the pages written for the site.

Everything here is fictional sample data written in the project's own words.
"""

from treatments.models import Clinician

CLINICIANS = [
    {
        "name": "Dr Imogen Hartwell",
        "credentials": "MBBS, MD (Dermatology)",
        "role": "Consultant dermatologist",
        "bio": "Fictional sample clinician. Leads the clinic's acne scar service and reviews its medical content.",
    },
    {
        "name": "Dr Rafael Okonjo",
        "credentials": "MBChB, MRCP (Derm)",
        "role": "Dermatologist",
        "bio": "Fictional sample clinician. Performs laser and resurfacing treatments.",
    },
    {
        "name": "Nadia Petrov",
        "credentials": "RN, Dip. Aesthetic Practice",
        "role": "Aesthetic nurse specialist",
        "bio": "Fictional sample clinician. Runs skin needling clinics and writes patient guides.",
    },
]


def load():
    created = 0
    for data in CLINICIANS:
        _, was_created = Clinician.objects.get_or_create(name=data["name"], defaults={**data, "is_sample": True})
        created += was_created
    return {"clinicians": created}
