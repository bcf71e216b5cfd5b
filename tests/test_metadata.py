"""Article metadata from small realistic pages: title, author, date, site, description, image, language.

Every page goes through the real `extract_article`; each test names the rule it pins down.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.extract import extract_article
from ingest.model import Article, Entry, Extracted
from ingest.normalize import build_article
from ingest.run.standalone import article_from_file
from ingest.text.language import detect_language
from ingest.text.names import clean_author, clean_title

ENGLISH = (
    (
        "The city council voted on Tuesday to expand the bus network to three new districts, a plan that "
        "officials say will shorten commutes for about forty thousand residents by next spring."
    ),
    (
        "The proposal, debated for more than a year, adds twelve routes and raises service frequency on the "
        "busiest lines during the morning and evening rush, according to the transport department."
    ),
    (
        "Critics argued that the budget does not cover the drivers the new routes will need, and warned that "
        "the expansion could stall if the regional government delays its share of the funding again."
    ),
    (
        "Supporters said the vote was overdue. Residents of the eastern districts have waited years for a "
        "direct connection to the hospital and the university campus, they said after the session."
    ),
    (
        "The first routes are expected to open in March, with the remaining lines following over the summer "
        "once the new depot near the river is finished and the additional buses have been delivered."
    ),
)
GERMAN = (
    (
        "Der Stadtrat hat am Dienstag beschlossen, das Busnetz auf drei neue Stadtteile auszuweiten. Nach "
        "Angaben der Verwaltung sollen rund vierzigtausend Menschen im kommenden Frühjahr schneller ankommen."
    ),
    (
        "Der Vorschlag, über den mehr als ein Jahr gestritten wurde, sieht zwölf neue Linien vor und soll die "
        "Takte auf den am stärksten genutzten Strecken im Berufsverkehr deutlich verdichten."
    ),
    (
        "Kritiker bemängelten, dass im Haushalt das Geld für die zusätzlichen Fahrerinnen und Fahrer fehle, "
        "und warnten, der Ausbau könne sich verzögern, falls das Land seinen Anteil erneut zurückhalte."
    ),
    (
        "Die ersten Linien sollen im März starten, die übrigen im Laufe des Sommers, sobald der neue "
        "Betriebshof am Fluss fertig ist und die bestellten Busse geliefert worden sind."
    ),
)
FRENCH = (
    (
        "Le conseil municipal a voté mardi l'extension du réseau de bus à trois nouveaux quartiers, un projet "
        "qui doit raccourcir les trajets d'environ quarante mille habitants d'ici le printemps prochain."
    ),
    (
        "La proposition, débattue pendant plus d'un an, ajoute douze lignes et augmente la fréquence des "
        "passages sur les lignes les plus chargées aux heures de pointe, selon le service des transports."
    ),
    (
        "Les premières lignes devraient ouvrir en mars, les autres au cours de l'été, une fois le nouveau "
        "dépôt achevé près du fleuve et les bus supplémentaires livrés par le constructeur."
    ),
)
DANISH = (
    (
        "Byrådet besluttede tirsdag at udvide busnettet til tre nye bydele, en plan som ifølge kommunen vil "
        "forkorte transporttiden for omkring fyrretusind borgere fra næste forår."
    ),
    (
        "Forslaget, som har været diskuteret i mere end et år, tilføjer tolv nye ruter og øger antallet af "
        "afgange på de travleste strækninger i myldretiden, oplyser trafikafdelingen."
    ),
    (
        "De første ruter ventes at åbne i marts, mens resten følger i løbet af sommeren, når det nye "
        "busdepot ved åen er færdigt, og de ekstra busser er blevet leveret."
    ),
)


def page(
    head: str = "",
    header: str = "",
    paragraphs: tuple[str, ...] = ENGLISH,
    lang: str | None = "en",
    before: str = "",
) -> str:
    """A news page: <head> extras, the article's header block (headline, byline, date), its paragraphs."""
    lang_attr = f' lang="{lang}"' if lang else ""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return f"""<!DOCTYPE html><html{lang_attr}><head><meta charset="utf-8">{head}</head>
<body><div class="site-logo"><a href="/">Example Times</a></div>
<ul class="menu"><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul>
{before}<main><article><header>{header}</header><div class="article-body">{body}</div></article></main>
<footer><p>Copyright 2025 Example Times. All rights reserved.</p></footer></body></html>"""


def meta(name: str, content: str, attr: str = "name") -> str:
    return f'<meta {attr}="{name}" content="{content}">'


def og(name: str, content: str) -> str:
    return meta(name, content, attr="property")


def json_ld(data: object, cdata: bool = False) -> str:
    text = json.dumps(data)
    return f'<script type="application/ld+json">{f"<![CDATA[{text}]]>" if cdata else text}</script>'


URL = "https://www.example-times.com/news/2025/06/24/bus-network/"
HEADLINE = "Council votes to expand the bus network to three districts"


# ---------------------------------------------------------------- title


def test_title_is_the_headline_the_metadata_confirms() -> None:
    html = page(
        head=f"<title>{HEADLINE} | Example Times</title>" + og("og:title", HEADLINE),
        header=f"<h1>{HEADLINE}</h1>",
    )
    assert extract_article(html, URL).title == HEADLINE


def test_title_drops_a_trailing_site_name() -> None:
    html = page(head=f"<title>{HEADLINE} - Example Times</title>" + og("og:site_name", "Example Times"))
    assert extract_article(html, URL).title == HEADLINE


def test_title_drops_a_leading_site_name() -> None:
    for title in (f"Example Times | {HEADLINE}", f"Example Times: {HEADLINE}"):
        html = page(head=f"<title>{title}</title>" + og("og:site_name", "Example Times"))
        assert extract_article(html, URL).title == HEADLINE, title


def test_title_drops_the_domain_as_site_name() -> None:
    # no site name declared: the page's own domain names it
    html = page(head=f"<title>{HEADLINE} | Example-Times.com</title>" + meta("og:url", URL, "property"))
    assert extract_article(html, URL).title == HEADLINE


def test_title_drops_furniture_the_h1_leaves_out() -> None:
    # the site calls itself something the page never declares; the <h1> shows where the headline ends
    html = page(
        head=f"<title>{HEADLINE} | City | The Daily Example</title>",
        header=f"<h1>{HEADLINE}</h1>",
    )
    assert extract_article(html, URL).title == HEADLINE


def test_title_is_not_the_site_logo_h1() -> None:
    html = page(
        head=og("og:title", HEADLINE) + og("og:site_name", "Example Times"),
        header=f"<h1>{HEADLINE}</h1>",
        before="<h1>Example Times</h1>",
    )
    assert extract_article(html, URL).title == HEADLINE


def test_title_is_not_the_site_name_when_the_headline_is_cut_short() -> None:
    # "Headline... - Site" and nothing else naming the site: trafilatura takes the headline for the
    # site's name, which must not strip the headline and leave the site's name as the title
    cut = HEADLINE[:40] + "..."
    html = page(head=f"<title>{cut} - The Daily Example</title>", header=f"<h1>{cut}</h1>")
    found = extract_article(html, URL)
    assert found.title == cut and found.site_name != cut


def test_title_prefers_the_shown_headline_over_a_social_variant() -> None:
    shown = "Council votes to expand the bus network to three new districts"
    html = page(
        head=og("og:title", "Bus network to grow: council votes yes") + f"<title>{HEADLINE}</title>",
        header=f"<h1>{shown}</h1>",
    )
    assert extract_article(html, URL).title == shown


def test_title_ignores_an_unrelated_h1() -> None:
    html = page(head=og("og:title", HEADLINE), header="<h1>Local news</h1>")
    assert extract_article(html, URL).title == HEADLINE


def test_title_keeps_the_declared_case_of_a_capitalised_h1() -> None:
    html = page(
        head=f"<title>{HEADLINE} | Example Times</title>",
        header=f"<h1>{HEADLINE.upper()}</h1>",
    )
    assert extract_article(html, URL).title == HEADLINE


def test_title_decodes_entities_escaped_twice() -> None:
    html = page(head=og("og:title", "Buses &amp;#8211; a new network"))
    assert extract_article(html, URL).title == "Buses \u2013 a new network"


def test_title_keeps_a_subtitle_after_a_colon() -> None:
    title = "Buses: what the new network means for you"
    html = page(head=og("og:title", title), header="<h1>Buses</h1>")
    assert extract_article(html, URL).title == title


# ---------------------------------------------------------------- author


def test_author_from_json_ld_people() -> None:
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": HEADLINE,
        "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}],
    }
    html = page(head=json_ld(article) + meta("author", "Example Times Staff"))
    assert extract_article(html, URL).author == "Jane Doe, John Roe"


def test_author_from_a_json_ld_graph_reference() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": URL},
            {"@type": "Article", "headline": HEADLINE, "author": {"@id": URL + "#jane"}},
            {"@type": "Person", "@id": URL + "#jane", "name": "Jane Doe"},
        ],
    }
    assert extract_article(page(head=json_ld(graph)), URL).author == "Jane Doe"


def test_author_without_job_title() -> None:
    html = page(head=meta("author", "by James Carter Senior News Editor"))
    assert extract_article(html, URL).author == "James Carter"


def test_author_from_the_byline_name_element_not_its_block() -> None:
    header = (
        f"<h1>{HEADLINE}</h1><div class='byline'><a class='author-name' href='/by/jane'>Jane Doe</a>"
        "<span class='byline-role'>Transport Correspondent</span> 2 hours ago</div>"
    )
    assert extract_article(page(header=header), URL).author == "Jane Doe"


def test_author_from_a_byline_with_date_and_site() -> None:
    header = f"<h1>{HEADLINE}</h1><p class='byline'>By Jane Doe | Example Times Updated June 24, 2025</p>"
    assert extract_article(page(header=header), URL).author == "Jane Doe"


def test_author_from_a_plain_text_byline() -> None:
    header = f"<h1>{HEADLINE}</h1><div class='meta'><p>Written by <a href='/team/jane'>Jane Doe</a></p></div>"
    assert extract_article(page(header=header), URL).author == "Jane Doe"


def test_author_from_a_plain_text_byline_listing_names() -> None:
    header = (
        f"<h1>{HEADLINE}</h1><span>Written by: <ul class='comma-separated-list'>"
        "<li><a href='/authors/jane'>Jane Doe</a></li><li><a href='/authors/john'>John Roe</a></li></ul></span>"
    )
    assert extract_article(page(header=header), URL).author == "Jane Doe, John Roe"


def test_plain_text_by_that_names_no_one_is_no_byline() -> None:
    header = (
        f"<h1>{HEADLINE}</h1><p>By continuing to browse you agree to our terms.</p>"
        "<p>By the numbers</p><p>By Jane Doe</p>"
    )
    assert extract_article(page(header=header), URL).author == "Jane Doe"


def test_author_skips_profile_urls() -> None:
    html = page(
        head=og("article:author", "https://www.facebook.com/janedoe"),
        header=f"<h1>{HEADLINE}</h1><span class='author'>By Jane Doe</span>",
    )
    assert extract_article(html, URL).author == "Jane Doe"


def test_author_that_is_the_site_name_gives_way_to_a_person() -> None:
    html = page(
        head=meta("author", "Example Times") + og("og:site_name", "Example Times"),
        header=f"<h1>{HEADLINE}</h1><span class='byline'>By Jane Doe</span>",
    )
    assert extract_article(html, URL).author == "Jane Doe"


def test_author_that_is_only_the_site_name_is_dropped() -> None:
    html = page(head=meta("author", "Example Times News") + og("og:site_name", "Example Times News"))
    assert extract_article(html, URL).author is None


def test_author_of_a_personal_site_stays() -> None:
    html = page(head=meta("author", "Jane Doe") + og("og:site_name", "Jane Doe"))
    assert extract_article(html, URL).author == "Jane Doe"


def test_author_is_not_a_picture_credit() -> None:
    header = (
        f"<h1>{HEADLINE}</h1><figure><img src='/bus.jpg' alt=''>"
        "<figcaption>A new bus. <span class='author'>Reuters</span></figcaption></figure>"
        "<span class='author'>Jane Doe</span>"
    )
    assert extract_article(page(header=header), URL).author == "Jane Doe"


def test_author_names_joined_by_and() -> None:
    html = page(head=meta("author", "By Jane Doe and John Roe"))
    assert extract_article(html, URL).author == "Jane Doe, John Roe"


def test_author_without_email_and_handle() -> None:
    html = page(head=meta("author", "Jane Doe jane.doe@example-times.com @janedoe"))
    assert extract_article(html, URL).author == "Jane Doe"


# ---------------------------------------------------------------- date


def test_published_from_json_ld_in_cdata_first() -> None:
    article = {"@type": "NewsArticle", "headline": HEADLINE, "datePublished": "2025-06-23T22:00:00Z"}
    html = page(head=json_ld(article, cdata=True) + og("article:published_time", "2025-06-24T12:43:00Z"))
    assert extract_article(html, URL).published == "2025-06-23T22:00:00Z"


def test_published_from_meta() -> None:
    html = page(head=og("article:published_time", "2025-06-24T08:30:00+02:00"))
    assert extract_article(html, URL).published == "2025-06-24T08:30:00+02:00"


def test_published_from_the_time_element_of_the_header() -> None:
    dateline = "<p class='dateline'><time datetime='2025-06-24T09:15:00Z'>June 24</time></p>"
    header = f"<h1>{HEADLINE}</h1>{dateline}"
    assert extract_article(page(header=header), "https://example-times.com/bus").published == (
        "2025-06-24T09:15:00Z"
    )


def test_published_as_printed_under_the_headline() -> None:
    header = f"<h1>{HEADLINE}</h1><div class='info'><span>Jane Doe</span> <span>Dec. 12, 2025</span></div>"
    extracted = extract_article(page(header=header), "https://example-times.com/bus")
    assert extracted.published == "Dec. 12, 2025"
    article = build_article(
        entry=Entry(guid=None, link=URL, published=None),
        feed_url="https://example-times.com/feed",
        feed_tags=(),
        url="https://example-times.com/bus",
        extracted=extracted,
        fetched_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
    )
    assert article.published == "2025-12-12T00:00:00Z"


def test_published_as_printed_is_not_the_update() -> None:
    header = f"<h1>{HEADLINE}</h1><p>Updated: Jan 3, 2026 <b>Published</b> 12th December 2025</p>"
    assert extract_article(page(header=header), "https://example-times.com/bus").published == (
        "12th December 2025"
    )


def test_published_as_declared_before_as_printed() -> None:
    header = f"<h1>{HEADLINE}</h1><p>June 1, 2025</p>"
    html = page(head=og("article:published_time", "2025-06-24T08:30:00Z"), header=header)
    assert extract_article(html, "https://example-times.com/bus").published == "2025-06-24T08:30:00Z"


def test_published_in_the_future_falls_back_to_the_feed() -> None:
    html = page(head=og("article:published_time", "2025-07-30T08:00:00Z"))
    extracted = extract_article(html, URL)
    feed_date = datetime(2025, 6, 24, 6, 0, tzinfo=UTC)
    article = build_article(
        entry=Entry(guid=None, link=URL, published=feed_date),
        feed_url="https://example-times.com/feed",
        feed_tags=(),
        url=URL,
        extracted=extracted,
        fetched_at=datetime(2025, 6, 24, 12, 0, tzinfo=UTC),
    )
    assert article.published == "2025-06-24T06:00:00Z"


# ---------------------------------------------------------------- site, description, image


def test_site_name_without_slogan() -> None:
    html = page(head=og("og:site_name", "Example Times - News you can trust every day"))
    assert extract_article(html, URL).site_name == "Example Times"


def test_site_name_is_not_a_url_nor_the_headline() -> None:
    html = page(
        head=og("og:site_name", "https://www.example-times.com")
        + og("og:title", HEADLINE)
        + meta("application-name", HEADLINE)
        + json_ld({"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "Example Times"}})
    )
    assert extract_article(html, URL).site_name == "Example Times"


def test_description_prefers_open_graph() -> None:
    html = page(
        head=meta("description", "Generic site description.")
        + og("og:description", "The council voted to expand the bus network.")
    )
    assert extract_article(html, URL).description == "The council voted to expand the bus network."


def test_description_from_json_ld() -> None:
    article = {"@type": "NewsArticle", "headline": HEADLINE, "description": "Twelve new bus routes."}
    assert extract_article(page(head=json_ld(article)), URL).description == "Twelve new bus routes."


def test_image_and_its_alt_text() -> None:
    html = page(
        head=og("og:image", "https://cdn.example-times.com/bus.jpg") + og("og:image:alt", "A city bus")
    )
    found = extract_article(html, URL)
    assert (found.image_url, found.image_caption) == ("https://cdn.example-times.com/bus.jpg", "A city bus")


def test_image_caption_from_the_figure_showing_the_image() -> None:
    header = (
        f"<h1>{HEADLINE}</h1><figure><img src='https://cdn.example-times.com/bus-1200x800.jpg'>"
        "<figcaption>A bus on the new eastern route.</figcaption></figure>"
    )
    html = page(head=og("og:image", "https://cdn.example-times.com/bus.jpg"), header=header)
    assert extract_article(html, URL).image_caption == "A bus on the new eastern route."


def test_image_caption_from_the_lead_figure_of_the_article() -> None:
    header = (
        f"<h1>{HEADLINE}</h1><figure><img src='/media/lead.jpg'>"
        "<figcaption>Council members during the vote.</figcaption></figure>"
    )
    assert extract_article(page(header=header), URL).image_caption == "Council members during the vote."


def test_image_caption_that_repeats_the_headline_is_dropped() -> None:
    html = page(head=og("og:title", HEADLINE) + og("og:image", "/bus.jpg") + og("og:image:alt", HEADLINE))
    assert extract_article(html, URL).image_caption is None


# ---------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("declaration", "language"),
    [
        ({"lang": "de-DE", "paragraphs": GERMAN}, "de"),
        (
            {"lang": None, "head": '<meta http-equiv="Content-Language" content="fr">', "paragraphs": FRENCH},
            "fr",
        ),
        ({"lang": None, "head": og("og:locale", "en_GB")}, "en"),
    ],
)
def test_declared_language(declaration: dict, language: str) -> None:
    assert _record(page(**declaration)).language == language


def test_language_detected_when_not_declared() -> None:
    assert extract_article(page(paragraphs=FRENCH, lang=None), URL).language is None  # as declared
    assert _record(page(paragraphs=FRENCH, lang=None)).language == "fr"


def test_template_language_gives_way_to_the_text() -> None:
    assert _record(page(paragraphs=GERMAN, lang="en")).language == "de"


def _record(html: bytes | str) -> Article:
    """The stored record of a page: language is settled there, in the main process."""
    data = html.encode() if isinstance(html, str) else html
    return article_from_file(data, Path("page.html"), URL)


def test_declared_language_stands_against_a_close_sibling() -> None:
    # detectors confuse Danish and Norwegian: a page declaring Norwegian is believed
    text = "\n\n".join(DANISH)
    assert detect_language(text, declared="no") == "no"
    assert detect_language(text) == "da"


def test_short_text_has_no_detected_language() -> None:
    assert detect_language("OK 12") is None
    assert detect_language("OK 12", declared="en") == "en"


# ---------------------------------------------------------------- normalisation on the record


def test_build_article_cleans_title_and_author() -> None:
    extracted = Extracted(
        text="Some text.",
        title=f"{HEADLINE} | Example Times",
        author="by James Carter Senior News Editor",
        site_name="Example Times",
    )
    article = build_article(
        entry=Entry(guid=None, link=URL),
        feed_url="https://example-times.com/feed",
        feed_tags=(),
        url=URL,
        extracted=extracted,
        fetched_at=datetime(2025, 6, 24, 12, 0, tzinfo=UTC),
    )
    assert (article.title, article.author) == (HEADLINE, "James Carter")
    assert clean_title(article.title, article.site_name) == article.title  # idempotent
    assert clean_author(article.author) == article.author
