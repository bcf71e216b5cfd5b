"""Synthetic news for the scale benchmark: articles about events, as stored records, web pages and feeds.

An event has four capitalised names, eight words of its own and a date; its reports mix a few of them
into common words drawn from a Zipf vocabulary of made-up words, in sentences. A share of reports are
trimmed copies of an earlier report of their event on another site, as wire stories are.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape

from ingest.model import Article, Entry, Extracted
from ingest.normalize import build_article

FEED = "https://synthetic.test/feed.xml"  # the stored articles' feed: never fetched
SITES = 50  # publishers the synthetic articles come from


@dataclass(frozen=True, slots=True)
class Event:
    names: tuple[str, ...]
    words: tuple[str, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class Synthetic:
    url: str
    title: str
    text: str
    published: datetime


class Generator:
    """Articles about events: an event's names and words recur in its reports, over common words that
    follow Zipf's law; sentences start with a capital and end with a full stop."""

    SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["an", "el", "or", "ist", "ung"]

    def __init__(self, days: float, words: int, copies: float, seed: int = 5) -> None:
        self.rng = random.Random(seed)
        self.words, self.copies = words, copies
        self.vocabulary = list(dict.fromkeys(self._word() for _ in range(40_000)))
        self.weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(self.vocabulary))))
        self.names = list(dict.fromkeys(self._word().capitalize() for _ in range(20_000)))
        self.end = datetime.now(UTC).replace(microsecond=0)
        self.days = days
        self.events: list[Event] = []
        self.earlier: dict[int, Synthetic] = {}  # an event's last article, for copies of it
        self.count = 0

    def stored(self, count: int) -> list[Synthetic]:
        """`count` articles over the last `days`, oldest first; about three per event."""
        start = self.end - timedelta(days=self.days)
        span = max(self.days - 1.0, 0.0)
        first = len(self.events)
        for _ in range(max(count // 3, 1)):
            self.events.append(self._event(start + timedelta(days=self.rng.uniform(0, span))))
        dated = []
        for _ in range(count):
            e = self.rng.randrange(first, len(self.events))
            when = min(self.events[e].at + timedelta(days=self.rng.expovariate(1.0)), self.end)
            dated.append((when, e))
        dated.sort()
        return [self._article(e, when) for when, e in dated]

    def fresh(self, count: int, now: datetime) -> list[Synthetic]:
        """`count` articles published just before `now`: half on events of the last week, half on new ones."""
        recent = [i for i, e in enumerate(self.events) if e.at >= now - timedelta(days=7)]
        articles = []
        for k in range(count):
            if recent and self.rng.random() < 0.5:
                e = self.rng.choice(recent)
            else:
                self.events.append(self._event(now))
                e = len(self.events) - 1
            articles.append(self._article(e, now - timedelta(seconds=count - k)))
        return articles

    def _event(self, at: datetime) -> Event:
        return Event(
            tuple(self.rng.sample(self.names, 4)), tuple(self.rng.sample(self.vocabulary[2000:], 8)), at
        )

    def _article(self, e: int, when: datetime) -> Synthetic:
        self.count += 1
        url = f"https://site{self.rng.randrange(SITES)}.test/{e}/{self.count}"
        copied = self.earlier.get(e)
        if copied is not None and self.rng.random() < self.copies:  # a wire copy, its end trimmed
            cut = copied.text[: int(len(copied.text) * self.rng.uniform(0.8, 1.0))]
            return Synthetic(url, copied.title, cut[: cut.rfind(".") + 1] or cut, when)
        event = self.events[e]
        own = [*self.rng.sample(event.names, 2), *self.rng.sample(event.words, 4)]
        common = self.rng.choices(self.vocabulary, cum_weights=self.weights, k=self.words)
        title = " ".join([*own, *common[:3]])
        words = [*own, *self.rng.sample(event.names, 2), *event.words[:3], *common]
        self.rng.shuffle(words)
        sentences, i = [], 0
        while i < len(words):
            n = self.rng.randint(8, 16)
            sentence = words[i : i + n]
            sentences.append(" ".join([sentence[0].capitalize(), *sentence[1:]]) + ".")
            i += n
        article = Synthetic(url, title[0].upper() + title[1:], " ".join(sentences), when)
        self.earlier[e] = article
        return article

    def _word(self) -> str:
        return "".join(self.rng.choice(self.SYLLABLES) for _ in range(self.rng.randint(1, 3)))


def record(item: Synthetic, fetched: datetime | None = None) -> Article:
    """The stored record of a synthetic article, built as the pipeline builds one from a fetched page."""
    entry = Entry(guid=item.url, link=item.url, title=item.title, published=item.published)
    extracted = Extracted(text=item.text, title=item.title)
    return build_article(
        entry=entry,
        feed_url=FEED,
        feed_tags=(),
        url=item.url,
        extracted=extracted,
        fetched_at=fetched or item.published,
    )


def page(item: Synthetic) -> str:
    """A synthetic article as a web page."""
    paragraphs = "".join(f"<p>{escape(p)}.</p>" for p in item.text.split(". ") if p)
    return (
        f"<html><head><title>{escape(item.title)}</title><meta property='article:published_time' "
        f"content='{item.published.isoformat()}'></head><body><nav><a href='/'>Home</a></nav><article>"
        f"<h1>{escape(item.title)}</h1>{paragraphs}</article><footer>Synthetic news</footer></body></html>"
    )


def feed(items: list[tuple[str, Synthetic]]) -> str:
    """An RSS document listing (page URL, article) pairs, newest first."""
    entries = "".join(
        f"<item><title>{escape(a.title)}</title><link>{escape(u)}</link><guid>{escape(u)}</guid>"
        f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for u, a in reversed(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>synthetic</title>{entries}</channel></rss>'
    )
