"""Pages cost a fixed number of SQL queries, whatever the amount of content."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_condition, make_faq, make_link, make_reference, make_takeaway, make_treatment

pytestmark = pytest.mark.django_db

# The page with its byline; its FAQs, takeaways and references (one UNION ALL); its treatment or condition links.
CONTENT_BUDGET = 3
# The whole page, including the comments section that the detail pages carry.
PAGE_BUDGET = 6


def render(client, url):
    client.get(url)  # warm the site-wide caches (opening hours in the footer)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def content_queries(queries):
    return [sql for sql in queries if "treatments_comment" not in sql]


def grow(page, n, *, link_to=None):
    for _ in range(n):
        make_faq(page)
        make_takeaway(page)
        make_reference(page)
        if link_to is not None:
            link_to(page)


def test_condition_page_queries_do_not_grow_with_treatments_faqs_and_references(client):
    condition = make_condition()
    grow(condition, 1, link_to=lambda c: make_link(c, make_treatment(sessions_min=1, weeks_between_sessions=2)))
    small = render(client, condition.get_absolute_url())
    grow(condition, 29, link_to=lambda c: make_link(c, make_treatment(sessions_min=1, weeks_between_sessions=2)))
    large = render(client, condition.get_absolute_url())
    assert len(large) == len(small) <= PAGE_BUDGET
    assert len(content_queries(large)) <= CONTENT_BUDGET


def test_treatment_page_queries_do_not_grow_with_conditions_faqs_and_references(client):
    treatment = make_treatment()
    grow(treatment, 1, link_to=lambda t: make_link(make_condition(), t))
    small = render(client, treatment.get_absolute_url())
    grow(treatment, 29, link_to=lambda t: make_link(make_condition(), t))
    large = render(client, treatment.get_absolute_url())
    assert len(large) == len(small) <= PAGE_BUDGET
    assert len(content_queries(large)) <= CONTENT_BUDGET


def test_comparison_queries_do_not_grow_with_the_number_of_treatments(client):
    a, b = make_treatment(), make_treatment()
    url = f"/treatments/compare/?t={a.slug}&t={b.slug}"
    small = render(client, url)
    extra = [make_treatment() for _ in range(30)]
    large = render(client, f"{url}&t={extra[0].slug}&t={extra[1].slug}")
    assert len(large) == len(small) <= 2


def test_lists_and_home_do_not_grow_with_content(client):
    condition = make_condition()
    make_link(condition, make_treatment(offered_here=True))
    before = {url: len(render(client, url)) for url in ("/", "/conditions/", "/treatments/")}
    for _ in range(20):
        make_link(make_condition(), make_treatment(offered_here=True))
    after = {url: len(render(client, url)) for url in before}
    assert after == before
