"""JSON-LD (schema.org) for condition and treatment pages.

Built from objects the page has already loaded, so it costs no query. The
template writes each dict with the `json_ld` filter, which escapes it safely.
"""

import html

from django.conf import settings
from django.utils.html import strip_tags

from treatments.models import Invasiveness

DERMATOLOGY = "https://schema.org/Dermatologic"
PROCEDURE_TYPES = {
    Invasiveness.NON_INVASIVE: ("MedicalProcedure", "https://schema.org/NoninvasiveProcedure"),
    Invasiveness.MINIMALLY_INVASIVE: ("MedicalProcedure", "https://schema.org/PercutaneousProcedure"),
    Invasiveness.SURGICAL: ("SurgicalProcedure", None),
}


def absolute_url(path):
    return f"{settings.SITE_URL}{path}"


def plain_text(rendered_html):
    return " ".join(html.unescape(strip_tags(rendered_html)).split())


def person(clinician):
    if clinician is None:
        return None
    data = {"@type": "Person", "name": clinician.name, "url": absolute_url(clinician.get_absolute_url())}
    if clinician.credentials:
        data["honorificSuffix"] = clinician.credentials
    if clinician.role:
        data["jobTitle"] = clinician.role
    return data


def clinician_structured_data(clinician):
    """JSON-LD of a clinician's profile: a Person, and also a Physician when registered with the GMC."""
    data = {"@context": "https://schema.org", **person(clinician)}
    if clinician.is_doctor:
        data["@type"] = ["Person", "Physician"]
        data["medicalSpecialty"] = DERMATOLOGY
    if clinician.bio:
        data["description"] = clinician.bio
    if clinician.special_interests_list:
        data["knowsAbout"] = clinician.special_interests_list
    if clinician.registration_body:
        data["hasCredential"] = {
            "@type": "EducationalOccupationalCredential",
            "credentialCategory": "Professional registration",
            "identifier": clinician.registration_number,
            "recognizedBy": {"@type": "Organization", "name": clinician.get_registration_body_display()},
        }
    data["worksFor"] = {"@type": "MedicalClinic", "name": settings.CLINIC_NAME, "url": settings.SITE_URL}
    return [data]


def procedure(treatment, *, full=False):
    schema_type, procedure_type = PROCEDURE_TYPES.get(treatment.invasiveness, ("MedicalProcedure", None))
    data = {"@type": schema_type, "name": treatment.title, "url": absolute_url(treatment.get_absolute_url())}
    if full:
        data["description"] = treatment.summary
        if treatment.other_names_list:
            data["alternateName"] = treatment.other_names_list
        if procedure_type:
            data["procedureType"] = procedure_type
        if treatment.aftercare_html:
            data["followup"] = plain_text(treatment.aftercare_html)
        data["relevantSpecialty"] = DERMATOLOGY
    return data


def medical_web_page(page, *, about, references):
    url = absolute_url(page.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": page.title,
        "description": page.meta_description or page.summary,
        "inLanguage": "en-GB",
        "specialty": DERMATOLOGY,
        "dateModified": page.updated_at.isoformat(),
        "publisher": {"@type": "MedicalClinic", "name": settings.CLINIC_NAME, "url": settings.SITE_URL},
        "about": about,
    }
    if page.author:
        data["author"] = person(page.author)
    if page.medical_reviewer:
        data["reviewedBy"] = person(page.medical_reviewer)
    if page.reviewed_on:
        data["lastReviewed"] = page.reviewed_on.isoformat()
    if references:
        data["citation"] = [
            {"@type": "CreativeWork", "name": reference.citation, **({"url": reference.url} if reference.url else {})}
            for reference in references
        ]
    return data


def faq_page(faqs):
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": faq.question,
                "acceptedAnswer": {"@type": "Answer", "text": plain_text(faq.answer_html)},
            }
            for faq in faqs
        ],
    }


def condition_structured_data(condition, *, treatments, faqs, references):
    about = {
        "@type": "MedicalCondition",
        "name": condition.title,
        "description": condition.summary,
        "url": absolute_url(condition.get_absolute_url()),
    }
    if treatments:
        about["possibleTreatment"] = [procedure(treatment) for treatment in treatments]
    data = [medical_web_page(condition, about=about, references=references)]
    if faqs:
        data.append(faq_page(faqs))
    return data


def treatment_structured_data(treatment, *, faqs, references):
    data = [medical_web_page(treatment, about=procedure(treatment, full=True), references=references)]
    if faqs:
        data.append(faq_page(faqs))
    return data
