"""Demo clinicians: three fictional sample profiles, in `clinicians.yaml` beside this module.

`manage.py load_demo_content` calls `load()` before the apps that build on the
clinicians (treatments' pages name them as authors, bookings gives them weeks).
Each is marked `is_sample`, so their pages say they are fictional.
"""

from pathlib import Path

import yaml

from staff.models import Clinician

# [{model field: value}]
CLINICIANS = yaml.safe_load((Path(__file__).parent / "clinicians.yaml").read_text(encoding="utf-8"))


def load():
    """Create the fictional clinicians that are missing; returns {"clinicians": how many were new}."""
    created = 0
    for data in CLINICIANS:
        clinician, was_created = Clinician.objects.get_or_create(
            name=data["name"], defaults={**data, "is_sample": True}
        )
        if not was_created and clinician.is_sample and not clinician.registration_body:
            # A demo clinician from before profiles existed: give them the rest of their sample profile.
            for field in ("registration_body", "registration_number", "special_interests"):
                setattr(clinician, field, data[field])
            clinician.save(update_fields=["registration_body", "registration_number", "special_interests"])
        created += was_created
    return {"clinicians": created}
