"""Extraction on real pages against their gold text, charset decoding, and feed-content fragments."""

from __future__ import annotations

import codecs
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

from ingest.extract import ExtractionError, decode_html, extract_article
from ingest.extract.fragment import extract_fragment
from ingest.fetch import Fetcher, FetchPolicy
from ingest.text.names import clean_title
from support.localsite import LocalSite, page_html, page_index

# ---------------------------------------------------------------- real pages against gold

SAMPLE = 15
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKENS = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    """Word 4-grams (each CJK character a word), lower-cased."""
    words = _TOKENS.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def recall(gold: str, extracted: str) -> float:
    """Share of the gold text's 4-gram shingles that the extraction contains."""
    wanted = shingles(gold)
    return len(wanted & shingles(extracted)) / len(wanted) if wanted else 1.0


def sample_ids(fixtures: Path, prefix: str, n: int = SAMPLE) -> list[str]:
    """n page ids with `prefix`, spread evenly over the sorted ids: the same pages on every run."""
    ids = sorted(i for i in page_index(fixtures) if i.startswith(prefix))
    return [ids[int(k * len(ids) / n)] for k in range(n)]


@dataclass(frozen=True)
class Outcome:
    page_id: str
    recall: float
    title: str | None  # as build_article would keep it: clean_title(title, site_name)
    gold_title: str | None


def _extract_sample(fixtures: Path, prefix: str) -> list[Outcome]:
    index = page_index(fixtures)
    outcomes = []
    for page_id in sample_ids(fixtures, prefix):
        row = index[page_id]
        try:
            found = extract_article(page_html(fixtures, page_id), row["url"], "text/html; charset=utf-8")
        except ExtractionError:
            outcomes.append(Outcome(page_id, 0.0, None, row["gold_title"]))
            continue
        title = clean_title(found.title, found.site_name)
        outcomes.append(Outcome(page_id, recall(row["gold_text"], found.text), title, row["gold_title"]))
    return outcomes


@pytest.fixture(scope="module")
def readability(fixtures: Path) -> list[Outcome]:
    return _extract_sample(fixtures, "readability-")


@pytest.fixture(scope="module")
def wcxb(fixtures: Path) -> list[Outcome]:
    return _extract_sample(fixtures, "wcxb-")


def test_sample_is_deterministic_and_spread(fixtures: Path) -> None:
    first = sample_ids(fixtures, "readability-")
    assert first == sample_ids(fixtures, "readability-")
    assert len(set(first)) == SAMPLE
    assert len(set(sample_ids(fixtures, "wcxb-"))) == SAMPLE


def test_recall_measure_itself() -> None:
    gold = "the quick brown fox jumps over the lazy dog"
    assert recall(gold, gold) == 1.0
    assert recall(gold, "something else entirely, nothing shared at all") == 0.0
    assert 0 < recall(gold, "the quick brown fox jumps") < 1
    assert recall("宇航员在太空中喝酒", "宇航员在太空中喝酒会怎么样") == 1.0


# Measured with trafilatura 2.3.1 on these 15 + 15 pages: mean 4-gram recall 0.916 (readability;
# lowest nytimes-5 at 0.44) and 0.892 (wcxb; lowest wcxb-0113 at 0.00, where trafilatura picks the
# sidebar, then 4192 at 0.70); 14 of 15 pages at >= 0.6 in each set. The thresholds sit below that.
MIN_MEAN_RECALL = 0.75
MIN_GOOD_PAGES = 12  # of 15, with recall >= 0.6


@pytest.mark.parametrize("sample", ["readability", "wcxb"])
def test_extracted_text_covers_the_gold_text(sample: str, request: pytest.FixtureRequest) -> None:
    outcomes: list[Outcome] = request.getfixturevalue(sample)
    scores = {o.page_id: round(o.recall, 2) for o in outcomes}
    assert statistics.mean(scores.values()) >= MIN_MEAN_RECALL, scores
    assert sum(score >= 0.6 for score in scores.values()) >= MIN_GOOD_PAGES, scores


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and " ".join(a.split()) == " ".join(b.split())


def test_title_matches_gold_for_most_readability_pages(readability: list[Outcome]) -> None:
    # Measured: 10 of 15. The others keep a site suffix that differs from the page's site_name
    # (" | Aktuálně.cz", " - Spiceworks" vs "Spiceworks Inc"), or Readability's gold keeps one.
    matches = [o.page_id for o in readability if _same(o.title, o.gold_title)]
    assert len(matches) >= 8, [(o.page_id, o.title, o.gold_title) for o in readability]


def test_title_matches_gold_for_most_wcxb_pages(wcxb: list[Outcome]) -> None:
    # Measured: 12 of 15; the other 3 keep a " | Site" suffix that site_name does not name.
    matches = [o.page_id for o in wcxb if _same(o.title, o.gold_title)]
    assert len(matches) >= 10, [(o.page_id, o.title, o.gold_title) for o in wcxb]


def test_real_page_metadata(fixtures: Path) -> None:
    row = page_index(fixtures)["readability-bbc-1"]
    found = extract_article(page_html(fixtures, "readability-bbc-1"), row["url"])
    assert found.title == row["gold_title"]
    assert found.language == "en"
    assert found.published and found.published.startswith("2015-07-24")
    assert found.canonical_url and "33646704" in found.canonical_url
    assert found.image_url and found.image_url.startswith("http")
    assert not found.text.startswith(row["gold_title"])  # the headline is not repeated as text
    assert "\n\n" in found.text  # paragraphs stay apart


async def test_page_in_a_legacy_charset_served_over_http(site: LocalSite) -> None:
    """The charset comes from the real response's Content-Type, not from the page."""
    paragraphs = [
        "Les élèves de l'école publique ont présenté leur projet à la mairie jeudi après-midi.",
        "« C'est une très belle réussite », a déclaré la directrice, visiblement émue.",
        "Le projet, financé par la région, prévoit la rénovation complète du gymnase d'ici l'été.",
        "Les travaux doivent commencer en septembre et durer environ huit mois, selon la mairie.",
    ] * 3
    html = (
        "<html><head><title>Rénovation du gymnase</title></head><body><article><h1>Rénovation du "
        "gymnase</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    )
    url = site.add("/article", html.encode("iso-8859-1"), "text/html; charset=ISO-8859-1")
    async with Fetcher(user_agent="ingest-tests", trusted_hosts={site.host}) as f:
        response = await f.get(url, FetchPolicy(timeout=10))
    found = extract_article(response.body, response.url, response.content_type)
    assert "Les élèves de l'école publique" in found.text
    assert "très belle réussite" in found.text
    assert found.title == "Rénovation du gymnase"


PROSE = [
    "The harbour board voted on Monday to dredge the eastern channel, a project delayed since the storm of 2019.",
    "Work starts in April and will close the channel to ships of more than ten metres for six weeks.",
    "Fishermen said the closure falls in their busiest season; the board promised a temporary berth nearby.",
]


def test_content_after_a_premature_end_of_the_page_is_read() -> None:
    # Browsers put what follows a stray </html> into the body; libxml2 leaves it outside the root.
    html = (
        "<html><head><title>Dredging</title></head><body><header><nav><a href='/'>Home</a></nav></header>"
        "</body></html><div class='blog-detail-page'><div id='blog-content'>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + "</div></div>"
    )
    found = extract_article(html.encode(), "https://harbour.example/dredging")
    assert all(p in found.text for p in PROSE)


def test_a_table_in_a_container_named_embed_is_kept() -> None:
    # Trafilatura drops containers whose class contains "embed"; Webflow's "w-embed" holds tables.
    table = (
        "<table><tr><th>Vessel</th><th>Draught</th></tr><tr><td>Maria Jose</td><td>11.2 m</td></tr></table>"
    )
    html = (
        "<html><body><article><div class='w-richtext'>"
        + "".join(f"<p>{p}</p>" for p in PROSE)
        + f"<div class='w-embed'>{table}</div><p>{PROSE[0]} It is the board's third attempt.</p>"
        + "</div></article><div class='share-embed'><table><tr><td>Share on Facebook</td></tr></table></div>"
        + "</body></html>"
    )
    found = extract_article(html.encode(), "https://harbour.example/dredging")
    assert "Maria Jose | 11.2 m" in found.text
    assert "Share on Facebook" not in found.text


@pytest.mark.parametrize(
    ("page_id", "phrase"),
    [
        # the article follows a stray </html>
        ("wcxb-0310", "HR Outsourcing is when companies team up with an external agency"),
        # the article sits in a newsletter popup left open; trafilatura's first pass returns nothing
        ("wcxb-4111", "Non-toxic clothing should be accessible to everyone"),
        # the tables sit in "w-embed" blocks, and the article's last sections with them (a broken end tag)
        ("wcxb-0061", "Why Use a Tip Chart?"),
    ],
)
def test_real_pages_whose_article_trafilatura_loses(fixtures: Path, page_id: str, phrase: str) -> None:
    row = page_index(fixtures)[page_id]
    found = extract_article(page_html(fixtures, page_id), row["url"])
    assert phrase in found.text
    assert recall(row["gold_text"], found.text) >= 0.9


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n ",
        "<html><body></body></html>",
        "<html><body><div><span></span></div></body></html>",
        "<html><head><title>Only a title</title></head><body><script>var a = 1;</script></body></html>",
    ],
)
def test_page_without_text_is_an_extraction_error(html: str) -> None:
    with pytest.raises(ExtractionError):
        extract_article(html.encode(), "https://example.com/empty")


# ---------------------------------------------------------------- decode_html

FRENCH = "Café crème — naïve « élèves » et façade, déjà vu. Les élèves étaient très contents de l'été."


def test_http_charset_wins_over_meta() -> None:
    body = b'<meta charset="koi8-r"><p>\xc1\xc2</p>'
    assert decode_html(body, "text/html; charset=windows-1252") == '<meta charset="koi8-r"><p>ÁÂ</p>'
    assert decode_html(body) == '<meta charset="koi8-r"><p>аб</p>'  # meta alone: koi8-r
    assert decode_html(body, "text/html") == '<meta charset="koi8-r"><p>аб</p>'


def test_bom_wins_over_header_and_meta() -> None:
    body = codecs.BOM_UTF8 + '<meta charset="koi8-r"><p>é</p>'.encode()
    assert decode_html(body, "text/html; charset=windows-1252") == '<meta charset="koi8-r"><p>é</p>'
    utf16 = codecs.BOM_UTF16_LE + "<p>ünïcödé</p>".encode("utf-16-le")
    assert decode_html(utf16, "text/html; charset=iso-8859-1") == "<p>ünïcödé</p>"


def test_wrong_declared_charset_falls_back() -> None:
    body = ('<meta charset="windows-1252"><p>' + FRENCH + "</p>").encode("cp1252")
    # the header claims UTF-8, the bytes are not: the page's own declaration is used
    assert decode_html(body, "text/html; charset=utf-8") == body.decode("cp1252")
    # unknown labels are ignored
    utf8 = ('<meta charset="x-no-such-charset"><p>' + FRENCH + "</p>").encode()
    assert decode_html(utf8, "text/html; charset=bogus") == utf8.decode()


def test_latin1_label_means_windows_1252() -> None:
    body = b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>\x93quoted\x94 caf\xe9</p>'
    assert decode_html(body).endswith("<p>\u201cquoted\u201d café</p>")


def test_utf16_label_on_ascii_compatible_bytes_is_utf8() -> None:
    assert decode_html("<p>é</p>".encode(), "text/html; charset=utf-16") == "<p>é</p>"


def test_undeclared_utf8() -> None:
    assert decode_html(("<p>" + FRENCH + " 日本語</p>").encode()) == "<p>" + FRENCH + " 日本語</p>"


ENGLISH = (
    "The café’s owner said “business is booming” — and that’s no exaggeration. "
    "Prices rose 5% in 2024; the menu’s crème brûlée costs €9."
)


def test_undeclared_8bit_bytes_decode_without_loss_of_the_ascii_text() -> None:
    body = f"<html><body><p>{ENGLISH}</p></body></html>".encode("cp1252")
    text = decode_html(body)
    assert "\ufffd" not in text
    assert "business is booming" in text and "no exaggeration. Prices rose 5% in 2024" in text
    assert text.startswith("<html><body><p>The caf") and text.endswith("</p></body></html>")


@pytest.mark.parametrize("text", [FRENCH, ENGLISH], ids=["french", "english"])
def test_undeclared_windows_1252_decodes_sensibly(text: str) -> None:
    body = f"<html><body><p>{text}</p></body></html>".encode("cp1252")
    assert text in decode_html(body)


# ---------------------------------------------------------------- extract_fragment


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<p>  spaced \n  out  </p>", "spaced out"),
        ("first<br>second<br/>third", "first\nsecond\nthird"),
        ("<p>line one<br>line two</p><p>next</p>", "line one\nline two\n\nnext"),
        ("<ul><li>x</li><li>y <b>z</b></li></ul><p>after</p>", "- x\n- y z\n\nafter"),
        ("<ol><li>first</li><li></li><li>third</li></ol>", "- first\n- third"),
        ("<h2>Heading</h2>Body text", "Heading\n\nBody text"),
        ("<blockquote>quoted</blockquote>said", "quoted\n\nsaid"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a | b\n\nc | d"),
        ("<p>keep</p><script>drop()</script><style>p{}</style>tail", "keep\n\ntail"),
        ("<p>before <iframe src=x></iframe>after</p><!-- note -->", "before after"),
        ("Caf&eacute; &amp; &lt;tags&gt;", "Café & <tags>"),
        ("<html><body><p>a whole document</p></body></html>", "a whole document"),
    ],
)
def test_fragment_layout(html: str, text: str) -> None:
    assert extract_fragment(html).text == text


def test_plain_text_fragment_keeps_its_own_layout() -> None:
    plain = "First paragraph,\nsecond line.\n\n  \nSecond paragraph.\n\n\n\nThird."
    assert extract_fragment(plain).text == "First paragraph,\nsecond line.\n\nSecond paragraph.\n\nThird."


@pytest.mark.parametrize(
    "html", ["", "   ", "<p> </p>", "<!-- only a comment -->", "<script>alert(1)</script>", "<br><br>"]
)
def test_fragment_without_text_is_an_extraction_error(html: str) -> None:
    with pytest.raises(ExtractionError):
        extract_fragment(html)


def test_fragment_of_a_real_feed_item(fixtures: Path) -> None:
    """A real RSS item's HTML description, as a feed with full_text: false stores it."""
    raw = (fixtures / "feeds" / "rssparser-guardian.rss").read_bytes()
    entries = feedparser.parse(raw).entries
    assert entries
    html = entries[0].get("summary") or ""
    assert html
    text = extract_fragment(html, entries[0].get("link")).text
    assert "<" not in text and ">" not in text
    assert text == text.strip() and "\n\n\n" not in text
    assert len(text.split()) >= 3
