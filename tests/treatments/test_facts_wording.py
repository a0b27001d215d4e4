"""Figures in the treatment facts read as a person would write them: "1 week", "6 weeks"."""

import pytest

from tests.factories import make_treatment
from treatments.facts import interval_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("weeks", "text"),
    [(1, "1 week"), (2, "2 weeks"), (4, "4 weeks (about a month)"), (8, "8 weeks (about 2 months)")],
)
def test_the_time_between_sessions_is_pluralised(weeks, text):
    treatment = make_treatment(sessions_min=3, sessions_max=4, weeks_between_sessions=weeks)
    assert interval_text(treatment) == text
