"""Markdown is rendered once, on save, to sanitised HTML with citation links."""

from html.parser import HTMLParser

import pytest

from tests.factories import make_condition, make_faq, make_treatment
from treatments.markdown import cited_numbers, render_markdown, section_headings


class TagCollector(HTMLParser):
    """The elements and attributes a browser would build from some HTML."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)


def assert_harmless(html):
    parsed = TagCollector(html)
    assert not {"script", "img", "iframe", "style"} & set(parsed.tags), html
    for name, value in parsed.attributes:
        assert not name.startswith("on"), html
        assert "javascript:" not in (value or "").lower(), html


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert('x')</script>",
        '<img src="x" onerror="alert(1)">',
        "![photo](x.png){: onerror=alert(1) }",
        "[click me](javascript:alert(1))",
        "[click me](JaVaScRiPt:alert(1))",
        "## Heading {: onclick=alert(1) }",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://example.com></iframe>",
        "[x][1]\n\n[1]: javascript:alert(1)",
    ],
)
def test_dangerous_markdown_never_reaches_the_html(markdown):
    assert_harmless(render_markdown(markdown))


def test_raw_html_is_shown_as_typed_text():
    assert "&lt;script&gt;" in render_markdown("<script>alert(1)</script>")


def test_ordinary_markdown_becomes_headings_lists_and_links():
    html = render_markdown("## What it is\n\n- **one**\n- two\n\n[NHS](https://www.nhs.uk/)")
    assert '<h2 id="what-it-is">What it is</h2>' in html
    assert "<li><strong>one</strong></li>" in html
    assert 'href="https://www.nhs.uk/"' in html


def test_a_citation_links_to_the_numbered_reference():
    html = render_markdown("Scars are deep [ref:2].")
    assert '<sup>[<a href="#ref-2" title="Reference 2" rel="noopener">2</a>]</sup>' in html


def test_several_citations_in_one_bracket_each_get_a_link():
    html = render_markdown("Deep scars [ref:1, 3].")
    assert 'href="#ref-1"' in html and 'href="#ref-3"' in html
    assert cited_numbers("a [ref:1, 3] b [ref:2]") == [1, 2, 3]


def test_citations_in_code_or_escaped_stay_literal():
    html = render_markdown("Write `[ref:1]` or \\[ref:2] to show the syntax.")
    assert "#ref-" not in html
    assert "[ref:1]" in html and "[ref:2]" in html


def test_section_headings_are_listed_in_order_as_plain_text():
    html = render_markdown("## What it is\n\ntext\n\n### Detail\n\n## Why **it** & how")
    assert section_headings(html) == [
        {"id": "what-it-is", "title": "What it is"},
        {"id": "why-it-how", "title": "Why it & how"},
    ]


@pytest.mark.django_db
def test_saving_a_page_stores_its_html_and_sections():
    condition = make_condition(body="## Causes\n\nDeep acne [ref:1].\n\n<script>x</script>")
    condition.refresh_from_db()
    assert 'href="#ref-1"' in condition.body_html
    assert "<script" not in condition.body_html
    assert condition.body_sections == [{"id": "causes", "title": "Causes"}]


@pytest.mark.django_db
def test_saving_only_the_body_field_still_updates_its_html_and_sections():
    condition = make_condition(body="## Old")
    condition.body = "## New heading"
    condition.save(update_fields=["body"])
    condition.refresh_from_db()
    assert "New heading" in condition.body_html
    assert condition.body_sections == [{"id": "new-heading", "title": "New heading"}]


@pytest.mark.django_db
def test_treatment_aftercare_side_effects_and_faq_answers_are_sanitised_too():
    treatment = make_treatment(aftercare="<script>a</script>", side_effects="[x](javascript:alert(1))")
    faq = make_faq(treatment, answer='<img src=x onerror="alert(1)"> See [ref:1].')
    treatment.refresh_from_db()
    faq.refresh_from_db()
    assert_harmless(treatment.aftercare_html)
    assert_harmless(treatment.side_effects_html)
    assert_harmless(faq.answer_html)
    assert 'href="#ref-1"' in faq.answer_html
