"""Fixture reports served as a news site: real pages with a picture each, and an RSS feed of them."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from support.localsite import LocalSite


def report_page(report: dict, image: str) -> str:
    """A report as a news page: navigation, a captioned picture, its paragraphs and a footer."""
    body = "".join(f"<p>{escape(p)}</p>" for p in report["text"].split("\n") if p.strip())
    return (
        f"<html><head><title>{escape(report['title'])} - The Local Ledger</title>"
        f"<meta property='og:image' content='{image}'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(report['title'])}</h1>"
        f"<figure><img src='{image}'><figcaption>Photo of {escape(report['title'][:40])}</figcaption></figure>"
        f"{body}</article><footer><p>Copyright 2018 All rights reserved.</p></footer></body></html>"
    )


def serve_reports(site: LocalSite, reports: list[dict]) -> str:
    """Serve each report as a page with a captioned picture, and an RSS feed of them; the feed's URL."""
    items = []
    for n, report in enumerate(reports):
        url = site.add(f"/news/{n}.html", report_page(report, site.url(f"/img/{n}.jpg")))
        when = datetime.fromisoformat(report["published"][:10]).replace(hour=9 + n, tzinfo=UTC)
        items.append(
            f"<item><title>{escape(report['title'])}</title><link>{url}</link><guid>{url}</guid>"
            f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate></item>"
        )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
    return site.add("/feed.xml", rss, "application/rss+xml")
