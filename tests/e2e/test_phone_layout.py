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


# Every element a keyboard can reach, with whether it can be seen once focused: some size,
# inside the screen's width, and the thing actually drawn at its centre (not clipped away).
FOCUSABLE_AND_SEEN = """main => [...main.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
  .filter(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length)
  .map(el => {
    el.focus();
    el.scrollIntoView({block: 'center', inline: 'nearest', behavior: 'instant'});
    const box = el.getBoundingClientRect(), line = el.getClientRects()[0];  // a link may wrap
    const atCentre = document.elementFromPoint(line.x + line.width / 2, line.y + line.height / 2);
    const seen = box.width > 2 && box.height > 2 && box.x >= 0 && box.right <= window.innerWidth + 1
      && atCentre !== null && (el.contains(atCentre) || atCentre.contains(el));
    return [el.outerHTML.slice(0, 80), seen];
  })"""


def test_on_a_phone_the_comparison_cuts_nothing_and_every_link_is_seen_when_focused(demo_site, phone, screenshot):
    phone.goto(demo_site.url + PUBLIC_PAGES["compare-for-condition"])
    # The timeline in words stacks like the comparison: no sideways scrolling.
    words = phone.locator(".timeline-table")
    assert words.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    cell = words.locator("td[data-label='Downtime']").first
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Downtime: "'
    assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= PHONE_WIDTH
    # The evidence for each treatment's suitability is the whole citation, wrapped, not cut.
    evidence = phone.locator(".compare-evidence")
    assert evidence.count() == 3
    for text in evidence.all_inner_texts():
        assert not text.rstrip().endswith("…"), text
    assert "Oral and Maxillofacial Surgery Clinics of North America" in evidence.first.inner_text()
    assert all(box["x"] + box["width"] <= PHONE_WIDTH for box in map(lambda e: e.bounding_box(), evidence.all()))
    # The column headings link to each treatment: on a phone they are a row of visible links.
    heading_link = phone.locator(".compare-table thead a", has_text="Microneedling")
    assert heading_link.is_visible() and heading_link.bounding_box()["width"] > 20
    hidden = [html for html, seen in phone.locator("main").evaluate(FOCUSABLE_AND_SEEN) if not seen]
    assert hidden == []
    screenshot(phone, "compare-phone-focus")
