"""What keeping the fetched pages for re-extraction (issue 18's `keep_html`) would cost, and whether a
smaller form of a page would extract to the same record.

For every fixture page: its size as fetched, zlib-compressed (level 6, the standard library's), and the
size of the page with its scripts (JSON-LD kept), styles, noscript blocks and comments removed, also
compressed; then `extract_article` on both forms, counting the pages whose records differ. A smaller
form is only worth keeping if re-extraction from it gives what extraction from the page gave.

    .venv/bin/python bench/kept_pages.py [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import warnings
import zlib
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from ingest.extract import ExtractionError
from ingest.extract.article import extract_article

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the fixture finder, shared with the tests
from support.fixturedir import NOT_FOUND, find_fixtures  # noqa: E402

LEVEL = 6
DROPPED = "//script[not(@type='application/ld+json')]|//style|//noscript|//comment()"


def stripped(page: bytes) -> bytes:
    try:
        doc = lxml_html.fromstring(page)
    except (etree.ParserError, ValueError):
        return page
    for element in doc.xpath(DROPPED):
        if element.getparent() is not None:
            element.drop_tree()
    return etree.tostring(doc, encoding="utf-8")


def record(page: bytes, url: str | None) -> object:
    try:
        return extract_article(page, url)
    except ExtractionError as exc:
        return type(exc).__name__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, help="the shared fixtures (default: as the tests find them)")
    args = parser.parse_args()
    fixtures = args.fixtures or find_fixtures() or sys.exit(NOT_FOUND)
    pages = fixtures / "pages"
    rows = [json.loads(line) for line in (pages / "pages.jsonl").read_text().split("\n") if line.strip()]
    whole, small, differ = [], [], []
    warnings.simplefilter("ignore")  # dateutil's zone warnings, from inside extraction
    for row in rows:
        page = gzip.decompress((pages / row["file"]).read_bytes())
        thin = stripped(page)
        whole.append(len(zlib.compress(page, LEVEL)))
        small.append(len(zlib.compress(thin, LEVEL)))
        if record(page, row.get("url")) != record(thin, row.get("url")):
            differ.append(row["id"])
    per_thousand = 1000 / 2**20
    print(f"{len(rows)} pages, mean {statistics.mean(whole) / 1024:.1f} KiB compressed as fetched")
    fetched, thin = (statistics.mean(sizes) * per_thousand for sizes in (whole, small))
    print(f"per 1,000 articles, zlib level {LEVEL}: as fetched {fetched:.1f} MiB, stripped {thin:.1f} MiB")
    print(f"records that differ when extracted from the stripped page: {len(differ)} of {len(rows)}"
          f" ({', '.join(differ[:8])}{', ...' if len(differ) > 8 else ''})")  # fmt: skip


if __name__ == "__main__":
    main()
