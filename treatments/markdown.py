"""Markdown to safe HTML, done once when content is saved.

Editors write Markdown; readers get HTML that went through an allow-list
sanitiser (nh3), so a <script>, an event-handler attribute or a javascript:
link typed into a body never reaches a page.

Citations: `[ref:2]` (or `[ref:1,3]`) becomes a superscript link to the page's
reference number 2, i.e. to the element with id `ref-2` that the page template
gives the second entry of its reference list. Because this happens at save time
too, pages pay nothing for it per request.
"""

import html as html_lib
import re
import xml.etree.ElementTree as etree

import markdown as markdown_lib
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li",
    "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "sup": {"id"},
    "li": {"id"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

CITATION_PATTERN = r"\[ref:\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\]"
# Runs before links, reference links and footnotes; after `code` and `\` escapes.
CITATION_PRIORITY = 176


def reference_anchor(number):
    """The id of reference `number` in a page's reference list."""
    return f"ref-{number}"


class CitationProcessor(InlineProcessor):
    def handleMatch(self, m, data):
        numbers = [int(n) for n in re.split(r"\s*,\s*", m.group(1).strip())]
        sup = etree.Element("sup")
        sup.text = "["
        for index, number in enumerate(numbers):
            link = etree.SubElement(sup, "a", {"href": f"#{reference_anchor(number)}", "title": f"Reference {number}"})
            link.text = str(number)
            link.tail = ", " if index < len(numbers) - 1 else "]"
        return sup, m.start(0), m.end(0)


class CitationExtension(Extension):
    def extendMarkdown(self, md):
        md.inlinePatterns.register(CitationProcessor(CITATION_PATTERN, md), "citation", CITATION_PRIORITY)


def cited_numbers(text):
    """Reference numbers cited in Markdown `text`, as a sorted list."""
    numbers = set()
    for match in re.finditer(CITATION_PATTERN, text or ""):
        numbers.update(int(n) for n in re.split(r"\s*,\s*", match.group(1).strip()))
    return sorted(numbers)


def render_markdown(text):
    """Render editor Markdown to sanitised HTML. Raw HTML in the source is escaped."""
    if not text:
        return ""
    md = markdown_lib.Markdown(
        extensions=["extra", "sane_lists", "toc", CitationExtension()],
        output_format="html",
    )
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    html = md.convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener",
    )


SECTION_HEADING = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.DOTALL)


def section_headings(html):
    """The level-2 headings of rendered HTML as [{"id", "title"}], for an
    "On this page" list. `title` is plain text."""
    return [
        {"id": anchor, "title": html_lib.unescape(nh3.clean(inner, tags=set())).strip()}
        for anchor, inner in SECTION_HEADING.findall(html)
    ]
