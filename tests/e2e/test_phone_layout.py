"""Pages on a 375 px phone: nothing wider than the screen, the comparison readable
without sideways scrolling, and on condition and treatment pages the contents and
the consultation button before the comments."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.e2e.conftest import SCREENS
from tests.e2e.test_pages_quality import PUBLIC_PAGES, submitted_request

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 375


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo_content", stdout=StringIO())
    return live_server


@pytest.fixture
def phone(browser):
    context = browser.new_context(**SCREENS["phone"])
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(**SCREENS["desktop"])
    yield context.new_page()
    context.close()


def top(page, selector):
    return page.locator(selector).first.bounding_box()["y"]


def test_no_public_page_is_wider_than_a_phone(demo_site, phone, screenshot):
    too_wide = {}
    for name, path in PUBLIC_PAGES.items():
        phone.goto(demo_site.url + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            too_wide[name] = width
    # The patient's own pages: the thanks page after a request, and the private status page.
    status_path = submitted_request(phone, demo_site)
    for name, url in [("thanks", phone.url), ("status", demo_site.url + status_path)]:
        phone.goto(url)
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE_WIDTH:
            too_wide[name] = width
    assert too_wide == {}, f"wider than {PHONE_WIDTH} px: {too_wide}"


@pytest.mark.parametrize("path", ["/conditions/ice-pick-scars/", "/treatments/microneedling/"])
def test_on_a_phone_the_contents_and_consultation_button_come_before_the_comments(demo_site, phone, path):
    phone.goto(demo_site.url + path)
    comments = top(phone, "#comments")
    assert top(phone, "nav.on-this-page") < comments
    assert top(phone, ".side-cta .btn-primary") < comments


def test_on_a_wide_screen_the_contents_stay_beside_the_comments(demo_site, desktop):
    desktop.goto(demo_site.url + "/treatments/microneedling/")
    comments = desktop.locator("#comments").bounding_box()
    aside = desktop.locator("aside.page-aside").bounding_box()
    assert aside["x"] > comments["x"] + comments["width"]
    assert aside["y"] + aside["height"] >= comments["y"] + comments["height"]


def test_on_a_phone_the_comparison_stacks_with_each_figure_labelled(demo_site, phone, screenshot):
    phone.goto(demo_site.url + PUBLIC_PAGES["compare-for-condition"])
    table = phone.locator(".compare-table")
    assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    cell = phone.locator(".compare-table td[data-label='Microneedling']").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Microneedling: "'
    assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= PHONE_WIDTH
    # The timeline scrolls inside its own region, and says so.
    assert phone.get_by_text("Scroll sideways to see the whole timeline").is_visible()
    screenshot(phone, "compare-phone")
