"""A page's references link to the work itself (its DOI, else its PubMed record), and
each reference links back to the places in the page that cite it."""

import re

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_condition, make_reference, make_treatment
from treatments.models import Reference

pytestmark = pytest.mark.django_db


def references_html(client, page):
    html = client.get(page.get_absolute_url()).content.decode()
    start = html.index('aria-labelledby="references-title"')
    return html, html[start : html.index("</section>", start)]


@pytest.mark.parametrize(
    ("identifiers", "href", "text"),
    [
        ({"doi": "10.1155/2010/893080"}, "https://doi.org/10.1155/2010/893080", "doi:10.1155/2010/893080"),
        ({"pmid": "11423843"}, "https://pubmed.ncbi.nlm.nih.gov/11423843/", "PubMed 11423843"),
        (
            {"doi": "10.1002/lsm.20048", "pmid": "15216537", "url": "https://example.org/x"},
            "https://doi.org/10.1002/lsm.20048",
            "doi:10.1002/lsm.20048",
        ),
        ({"url": "https://example.org/guideline"}, "https://example.org/guideline", "Read the source"),
    ],
)
def test_a_reference_links_to_the_work_by_its_doi_then_its_pubmed_id_then_its_address(client, identifiers, href, text):
    condition = make_condition(body="Scars fade slowly [ref:1].")
    make_reference(condition, order=1, **identifiers)
    _, references = references_html(client, condition)
    assert f'<a href="{href}" rel="noopener">{text}' in references


def test_a_reference_without_any_link_shows_its_citation_alone(client):
    condition = make_condition(body="Text [ref:1].")
    make_reference(condition, order=1, citation="Author A. A book. 2001.")
    _, references = references_html(client, condition)
    assert "Author A. A book. 2001." in references and 'rel="noopener"' not in references


@pytest.mark.parametrize(
    ("field", "value"),
    [("doi", "https://doi.org/10.1155/2010/893080"), ("doi", "doi 10.1/x"), ("pmid", "PMID 123"), ("pmid", "0")],
)
def test_a_malformed_doi_or_pubmed_id_is_refused_with_an_example(field, value):
    reference = Reference(page=make_condition().page, order=1, citation="A. Study.", **{field: value})
    with pytest.raises(ValidationError) as refused:
        reference.full_clean()
    assert "such as" in str(refused.value.message_dict[field])


def test_each_reference_links_back_to_every_part_of_the_page_that_cites_it(client):
    treatment = make_treatment(
        body="Collagen grows back [ref:1]. Again [ref:1]. Also [ref:2].",
        aftercare="Keep it clean [ref:1].",
    )
    for order in (1, 2, 3):
        make_reference(treatment, order=order, pmid=str(1000 + order))
    html, references = references_html(client, treatment)
    items = dict(re.findall(r'<li id="ref-(\d)">(.*?)</li>', references, re.DOTALL))
    assert re.findall(r'href="#(cite-[\w-]+)"', items["1"]) == ["cite-body-1", "cite-aftercare-1"]
    assert re.findall(r'href="#(cite-[\w-]+)"', items["2"]) == ["cite-body-2"]
    assert "cite-" not in items["3"]  # listed but not cited: nothing to go back to
    for anchor in ("cite-body-1", "cite-aftercare-1", "cite-body-2"):
        assert html.count(f'id="{anchor}"') == 1, anchor
    assert 'id="cite-body-1" href="#ref-1"' in html
    assert "Back to reference 1 in the text" in items["1"] and "Back to reference 1 in aftercare" in items["1"]


def test_the_demo_references_link_to_the_works_themselves():
    from treatments.demo import REFERENCES

    keys = ["jacob-2001", "fabbrocini-2010", "lee-2002", "manstein-2004"]
    assert [{k: v for k, v in REFERENCES[key].items() if k != "citation"} for key in keys] == [
        {"pmid": "11423843"},
        {"doi": "10.1155/2010/893080"},
        {"pmid": "12460296"},
        {"doi": "10.1002/lsm.20048"},
    ]
