"""`manage.py load_demo_content` loads every app's own demo content from its data files."""

from datetime import time
from io import StringIO

import pytest
from django.core.management import call_command

from bookings.models import Break, ClinicHours, Closure, Weekday, WorkingHours
from staff.models import Clinician
from treatments.models import (
    FAQ,
    Comment,
    Condition,
    ConditionTreatment,
    ConsultationFee,
    KeyTakeaway,
    Reference,
    Suitability,
    Treatment,
)

pytestmark = pytest.mark.django_db


def load():
    out = StringIO()
    call_command("load_demo_content", stdout=out)
    return out.getvalue().strip()


def test_the_command_reports_what_each_app_added_and_nothing_the_second_time():
    assert load() == (
        "Demo content loaded (new: clinicians: 3, treatments: 11, conditions: 1, treatment links: 11, "
        "consultation fee: 1, comments: 6, opening hours: 6, closures: 4, working days: 11)."
    )
    assert load() == (
        "Demo content loaded (new: clinicians: 0, treatments: 0, conditions: 0, treatment links: 0, "
        "consultation fee: 0, comments: 0, opening hours: 0, closures: 0, working days: 0)."
    )


def test_the_demo_has_all_its_pages_questions_and_references():
    load()
    counts = {
        model.__name__: model.objects.count()
        for model in (Clinician, Treatment, Condition, ConditionTreatment, FAQ, KeyTakeaway, Reference, Comment)
    }
    assert counts == {
        "Clinician": 3,
        "Treatment": 11,
        "Condition": 1,
        "ConditionTreatment": 11,
        "FAQ": 11,
        "KeyTakeaway": 10,
        "Reference": 16,
        "Comment": 6,
    }
    assert (ClinicHours.objects.count(), WorkingHours.objects.count(), Break.objects.count()) == (6, 11, 10)
    assert Closure.objects.count() == 4
    assert ConsultationFee.objects.get().amount == 75


def test_the_texts_arrive_as_written():
    load()
    microneedling = Treatment.objects.get(slug="microneedling")
    assert microneedling.body.startswith(
        "## What it is\n\nMicroneedling is a clinic treatment in which very fine, sterile needles pass in and out "
        "of the skin many times a\nsecond, leaving thousands of microscopic channels."
    )
    assert microneedling.body.endswith("once the new collagen has\nhad time to form.\n")
    assert microneedling.price_from == 250 and microneedling.author.name == "Nadia Petrov"
    laser_faq = FAQ.objects.filter(page__treatment__slug="fractional-laser").order_by("order").first()
    assert (laser_faq.question, laser_faq.answer) == (
        "Does fractional laser hurt?",
        "The numbing cream and the cold air from the cooling device keep it bearable for most people. Expect heat "
        "and a prickling sensation while the laser passes, and a sunburn-like feeling for a few hours afterwards.",
    )
    assert Comment.objects.get(author_name="Theo W").body == (
        "Skin needling worked for my ice pick scars. I had four sessions roughly eight weeks apart, always on a "
        "Friday, and by Monday the redness had calmed down enough for work.\n\n"
        "I was worried it would harm my skin, but apart from the scars looking shallower my skin feels firmer and "
        "my pores look smaller. I started to see a difference about a month after the first session."
    )
    link = ConditionTreatment.objects.get(condition__slug="ice-pick-scars", treatment__slug="microdermabrasion")
    assert (link.note, link.suitability) == (
        "Gentle polishing: little effect on deep scars on its own",
        Suitability.LIMITED_EFFECT,
    )
    assert link.suitability_reference.citation.startswith("Fabbrocini G, Annunziata MC, D'Arco V, et al.")
    assert link.suitability_reference.doi == "10.1155/2010/893080"


def test_registration_numbers_keep_their_leading_zeros():
    load()
    assert dict(Clinician.objects.values_list("name", "registration_number")) == {
        "Dr Imogen Hartwell": "0900001",
        "Dr Rafael Okonjo": "0900002",
        "Nadia Petrov": "00S0001E",
    }


def test_the_clinicians_weeks_and_the_clinic_hours_keep_their_times():
    load()
    thursday = ClinicHours.objects.get(weekday=Weekday.THURSDAY)
    assert (thursday.opens, thursday.closes) == (time(10), time(20))
    lunch = Break.objects.get(clinician__name="Dr Rafael Okonjo", weekday=Weekday.FRIDAY)
    assert (lunch.starts, lunch.ends, lunch.label) == (time(12, 30), time(13, 30), "Lunch")
    saturday = WorkingHours.objects.get(clinician__name="Nadia Petrov", weekday=Weekday.SATURDAY)
    assert (saturday.starts, saturday.ends) == (time(9), time(13))
    assert not Break.objects.filter(clinician__name="Nadia Petrov", weekday=Weekday.SATURDAY).exists()


def test_each_app_loads_its_own_demo_in_dependency_order():
    from clinic.management.commands.load_demo_content import demo_modules

    assert [module.__name__ for module in demo_modules()] == ["staff.demo", "treatments.demo", "bookings.demo"]
