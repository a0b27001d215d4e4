"""Who works at the clinic: clinicians' profiles.

Clinicians are bylines and medical reviewers on treatments' pages, answer patients'
comments, and are booked for consultations; both apps point here.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.text import slugify


class RegistrationBody(models.TextChoices):
    """The UK regulators a clinician can be registered with, and the form of their numbers."""

    GMC = "gmc", "General Medical Council (GMC)"
    NMC = "nmc", "Nursing and Midwifery Council (NMC)"
    HCPC = "hcpc", "Health and Care Professions Council (HCPC)"


# What a registration number looks like, per regulator: GMC numbers are 7 digits,
# NMC PINs like 12A3456E, HCPC numbers two letters and up to 6 digits.
REGISTRATION_NUMBER_FORMATS = {
    RegistrationBody.GMC: (r"[0-9]{7}", "7 digits, like 7012345"),
    RegistrationBody.NMC: (r"[0-9]{2}[A-Z][0-9]{4}[A-Z]", "like 12A3456E"),
    RegistrationBody.HCPC: (r"[A-Z]{2}[0-9]{1,6}", "two letters and digits, like PA12345"),
}


class Clinician(models.Model):
    """A member of the clinical staff: bylines, medical review, clinic answers.

    `user` links the clinician to the staff account they sign in with; what they
    publish (answers, approvals) is recorded as them through it.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=140,
        unique=True,
        blank=True,
        help_text="The profile's address: /clinicians/<slug>/. Made from the name when left blank.",
    )
    credentials = models.CharField(max_length=120, blank=True, help_text='For example "MBBS, MD".')
    role = models.CharField(max_length=120, blank=True, help_text='For example "Consultant dermatologist".')
    bio = models.TextField(blank=True)
    registration_body = models.CharField(
        "registered with", max_length=10, choices=RegistrationBody, blank=True, help_text="Their regulator."
    )
    registration_number = models.CharField(
        max_length=20, blank=True, help_text="As on the regulator's public register, e.g. a GMC number or NMC PIN."
    )
    special_interests = models.CharField(
        max_length=300, blank=True, help_text='Comma-separated, for example "acne scars, laser treatments".'
    )
    is_sample = models.BooleanField(
        "fictional sample data", default=False, help_text="Demo clinicians are fictional and marked as such."
    )
    takes_consultations = models.BooleanField(
        default=True, help_text="Untick for clinicians who write or review pages but see no patients here."
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clinician",
        verbose_name="staff account",
        help_text="The account this clinician signs in with; put it in the Clinicians group too.",
    )

    class Meta:
        # The table treatments made before clinicians moved here (staff 0001).
        db_table = "treatments_clinician"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.free_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("treatments:clinician_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        self.registration_number = self.registration_number.strip().upper()
        if self.registration_number and not self.registration_body:
            raise ValidationError({"registration_body": "Choose the regulator this number belongs to."})
        if self.registration_body and not self.registration_number:
            raise ValidationError({"registration_number": "Enter the registration number, or clear the regulator."})
        if self.registration_body:
            pattern, example = REGISTRATION_NUMBER_FORMATS[RegistrationBody(self.registration_body)]
            if not re.fullmatch(pattern, self.registration_number):
                label = RegistrationBody(self.registration_body).label
                raise ValidationError({"registration_number": f"A number from the {label} is {example}."})

    def free_slug(self):
        """A slug made from the name that no other clinician uses: `dr-jane-doe`, then `dr-jane-doe-2`, ..."""
        base = slugify(self.name)[:130] or "clinician"
        taken = set(Clinician.objects.exclude(pk=self.pk).filter(slug__startswith=base).values_list("slug", flat=True))
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        return slug

    @property
    def special_interests_list(self):
        return [interest.strip() for interest in self.special_interests.split(",") if interest.strip()]

    @property
    def is_doctor(self):
        return self.registration_body == RegistrationBody.GMC
