"""Every hostile case of issue 6 served at once on loopback, as feeds.yaml items for `ingest --once`.

The feeds and pages live on a trusted site (127.0.0.1, named in feeds.yaml); the targets the address guard
must never reach live on 127.0.0.2 and ::1, which feeds.yaml does not name, and count the requests they get.
Used by tests/test_hostile_once.py and bench/hostile.py.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from support.hostile import (
    HTML_PAGE,
    article_page,
    billion_laughs,
    binary_junk,
    deep_nesting,
    dripper,
    entity_feed,
    external_entity_feeds,
    gzip_bomb,
    many_paragraphs,
    rss,
    silent_server,
    streamer,
    truncated_feed,
)
from support.localsite import LocalSite, page_html, page_index

RSS = "application/rss+xml"
# Real pages that extract well (tests/test_once.py's), for the good feed that must be stored in full.
GOOD_PAGES = ["readability-bbc-1", "readability-ars-1", "readability-breitbart", "readability-guardian-1"]
GOOD_PAGES += ["wcxb-0151", "wcxb-0153"]
# Limits under which every case ends within the 5 s; the mixed run keeps the defaults.
FAST_DEFAULTS = {"timeout": "2s", "connect_timeout": "1s", "parse_timeout": "3s"}
TOO_LARGE = f"body exceeds {10 * 1024**2} bytes"
# The guard refuses in the socket factory; yarl refuses decimal and octal IP literals as URLs first.
ADDRESS_REASONS = ("address not allowed", "invalid URL")


@dataclass(frozen=True)
class Case:
    """One hostile feed (or a feed linking to one hostile page) and what its failure says."""

    name: str
    url: str
    expect: str | tuple[str, ...]  # in each failure's reason (one of them); "" when the page must be stored
    page: bool = False  # the linked page fails (or is stored), not the feed
    settings: dict[str, object] = field(default_factory=dict)

    @property
    def reasons(self) -> tuple[str, ...]:
        return (self.expect,) if isinstance(self.expect, str) else self.expect

    def item(self) -> dict[str, object]:
        """The feeds.yaml item."""
        return {"url": self.url, "name": self.name, **self.settings}


class HostileWeb:
    """Start with `with HostileWeb(fixtures) as web:`; `web.cases`, `web.good_url`, `web.forbidden_requests()`."""

    def __init__(self, fixtures: Path) -> None:
        self._fixtures = fixtures
        self._stack = ExitStack()
        self.cases: list[Case] = []
        self.good_url = ""

    def __enter__(self) -> HostileWeb:
        try:
            self.site = self._stack.enter_context(LocalSite("127.0.0.1"))
            self.forbidden = [self._stack.enter_context(LocalSite(host)) for host in ("127.0.0.2", "::1")]
            self.silent_url = self._stack.enter_context(silent_server())
            self.good_url = self._serve_good()
            self.cases = [*self._feed_cases(), *self._page_cases(), self._address_case()]
        except BaseException:
            self._stack.close()  # stop the servers already started
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def forbidden_requests(self) -> int:
        """Requests that reached a non-allowed address: the untrusted sites, or the secret under another name."""
        return sum(len(s.requests) for s in self.forbidden) + len(self.site.hits("/secret"))

    def config(self, cases: list[Case], *, good: bool, defaults: dict[str, object] | None = None) -> str:
        """feeds.yaml for `cases` (and the good feed); one loopback host plays every site, so no host gap."""
        feeds = [{"url": self.good_url, "name": "good"}] if good else []
        top = {"min_host_gap": "0s", "max_per_host": 16, "defaults": defaults or {}}
        return yaml.safe_dump({**top, "feeds": feeds + [case.item() for case in cases]}, sort_keys=False)

    # -- serving ---------------------------------------------------------------------------------

    def _serve_good(self) -> str:
        index = page_index(self._fixtures)
        links = [
            (
                index[pid]["gold_title"] or pid,
                self.site.add(f"/good/{n}.html", page_html(self._fixtures, pid)),
                None,
            )
            for n, pid in enumerate(GOOD_PAGES)
        ]
        baseline = self.site.add("/baseline.xml", rss(links[:1], title="Baseline"), RSS)
        self.baseline = Case("baseline", baseline, "", page=True)  # the cost of a run that goes well
        return self.site.add("/good.xml", rss(links, title="Good"), RSS)

    def _feed(
        self,
        name: str,
        body: bytes,
        expect: str | tuple[str, ...],
        content_type: str = RSS,
        **settings: object,
    ) -> Case:
        return Case(name, self.site.add(f"/feeds/{name}.xml", body, content_type), expect, settings=settings)

    def _feed_cases(self) -> list[Case]:
        secret = self.forbidden[0].add("/secret", "TOP SECRET", "text/plain")
        dtd = self.forbidden[0].add("/evil.dtd", f'<!ENTITY x SYSTEM "{secret}">', "application/xml-dtd")
        xxe = external_entity_feeds(secret, dtd)
        site, own = self.site, {"full_text": False}  # entries keep their own text: nothing to fetch
        return [
            self._feed("entities-quadratic", entity_feed(), "undefined entity", **own),
            self._feed("entities-laughs-one-line", billion_laughs(True), "undefined entity", **own),
            self._feed("entities-laughs-many-lines", billion_laughs(False), "undefined entity", **own),
            *(self._feed(f"xxe-{n}", body, "undefined entity", **own) for n, body in enumerate(xxe)),
            Case("feed-50mb", site.handle("/feeds/huge.xml", streamer(50 * 1024**2)), TOO_LARGE),
            self._feed("feed-binary-junk", binary_junk(), "not a feed", "application/octet-stream"),
            self._feed("feed-html-page", HTML_PAGE, "an HTML page", "text/html"),
            self._feed("feed-truncated", truncated_feed(2), "malformed", **own),
            Case("feed-self-redirect", site.redirect("/feeds/loop.xml", "/feeds/loop.xml"), "redirects"),
            *(self._status(status) for status in (500, 404, 410, 429, 503)),
            Case("feed-never-answers", self.silent_url, "no complete response"),
            Case("feed-drips", site.handle("/feeds/drip.xml", dripper(1.0)), "no complete response"),
        ]

    def _status(self, status: int) -> Case:
        headers = {"Retry-After": "3600"} if status in (429, 503) else None
        url = self.site.add(f"/feeds/{status}.xml", "error", status=status, headers=headers)
        return Case(f"feed-http-{status}", url, f"HTTP {status}")

    def _page(self, name: str, path: str, expect: str | tuple[str, ...], **settings: object) -> Case:
        feed = rss([(name, self.site.url(path), None)], title=name)
        return Case(
            name, self.site.add(f"/feeds/{name}.xml", feed, RSS), expect, page=True, settings=settings
        )

    def _page_cases(self) -> list[Case]:
        site = self.site
        site.add("/p/gzip-bomb.html", gzip_bomb(), "text/html", headers={"Content-Encoding": "gzip"})
        site.add("/p/brotli.html", binary_junk(100_000), "text/html", headers={"Content-Encoding": "br"})
        site.handle("/p/endless.html", streamer(None, "text/html", b"<p>more</p>" * 6000))
        site.add("/p/paragraphs.html", many_paragraphs())
        site.add("/p/nesting.html", deep_nesting())
        site.add("/p/slow.html", many_paragraphs(40_000))
        site.redirect("/p/loop-a.html", "/p/loop-b.html")
        site.redirect("/p/loop-b.html", "/p/loop-a.html")
        cases = [
            self._page("page-gzip-bomb", "/p/gzip-bomb.html", TOO_LARGE),
            self._page("page-brotli", "/p/brotli.html", "content-encoding"),
            self._page("page-endless", "/p/endless.html", TOO_LARGE),
            self._page("page-200k-paragraphs", "/p/paragraphs.html", "elements"),
            self._page("page-100k-nesting", "/p/nesting.html", "elements"),
            self._page("page-slow-extraction", "/p/slow.html", "deadline", parse_timeout="1s"),
            self._page("page-redirect-loop", "/p/loop-a.html", "redirects"),
        ]
        for kind in ("image/png", "application/pdf", "application/octet-stream"):
            name = "page-" + kind.split("/")[1]
            site.add(f"/p/{name}", binary_junk(), kind)
            cases.append(self._page(name, f"/p/{name}", "is not HTML"))
        return cases + self._charset_cases()

    def _charset_cases(self) -> list[Case]:
        text = ["The café served crème brûlée to a naïve critic from Besançon, who praised it at length."] * 3
        utf8 = article_page(text, "utf-8").encode()
        bodies = {
            "page-invalid-utf8": (utf8.replace(b"na\xc3\xafve", b"na\xefve"), "text/html; charset=utf-8"),
            "page-utf8-said-latin1": (utf8, "text/html; charset=iso-8859-1"),
            "page-cp1252-said-utf8": (article_page(text).encode("cp1252"), "text/html; charset=utf-8"),
        }
        for name, (body, content_type) in bodies.items():
            self.site.add(f"/p/{name}.html", body, content_type)
        return [self._page(name, f"/p/{name}.html", "") for name in bodies]

    def _address_case(self) -> Case:
        """One feed linking to every forbidden target, directly and through a redirect from this host."""
        v4, v6, trusted = self.forbidden[0].port, self.forbidden[1].port, self.site.port
        for s in (*self.forbidden, self.site):
            s.add("/secret", article_page(["Internal data that must never be fetched from a link."] * 3))
        targets = [
            f"http://127.0.0.2:{v4}/secret",
            f"http://[::1]:{v6}/secret",
            f"http://[::ffff:127.0.0.2]:{v4}/secret",
            f"http://2130706434:{v4}/secret",
            f"http://0177.0.0.2:{v4}/secret",
            f"http://2130706433:{trusted}/secret",
            f"http://localhost:{trusted}/secret",
            "http://10.0.0.1/secret",
            "http://169.254.169.254/latest/meta-data/",
        ]
        hops = [self.site.redirect(f"/hop/{n}", target) for n, target in enumerate(targets)]
        links = [(f"link {n}", url, None) for n, url in enumerate(targets + hops)]
        feed = self.site.add("/feeds/addresses.xml", rss(links, title="Addresses"), RSS)
        return Case("page-addresses", feed, ADDRESS_REASONS, page=True)


# -- reading a run -------------------------------------------------------------------------------

FEED_FAILURES = frozenset({"feed_failed", "feed_malformed", "feed_gone"})


@dataclass
class RunLog:
    """What `ingest --once` logged (JSON lines on stderr), by feed name."""

    feed_errors: dict[str, str] = field(default_factory=dict)
    article_errors: dict[str, list[str]] = field(default_factory=dict)
    stored: dict[str, int] = field(default_factory=dict)

    @classmethod
    def read(cls, stderr: str) -> RunLog:
        run = cls()
        for line in stderr.splitlines():
            event = json.loads(line) if line.startswith("{") else {}
            name, what = event.get("feed", ""), event.get("event")
            if what in FEED_FAILURES:
                run.feed_errors[name] = event["error"]
            elif what == "article_failed":
                run.article_errors.setdefault(name, []).append(event["error"])
            elif what == "article_stored":
                run.stored[name] = run.stored.get(name, 0) + 1
        return run

    def outcome(self, case: Case) -> str:
        """One line on what happened to `case`: its failure reason(s), or what was stored."""
        errors = (
            self.article_errors.get(case.name, []) if case.page else [self.feed_errors.get(case.name, "")]
        )
        shown = "; ".join(dict.fromkeys(e.split(": ", 1)[-1] for e in errors if e))
        return f"{shown or 'no failure'}; {self.stored.get(case.name, 0)} stored"

    def as_expected(self, case: Case) -> bool:
        """The case failed with its reason (a page: every article, none stored), or its page was stored."""
        if not case.page:
            return any(r in self.feed_errors.get(case.name, "") for r in case.reasons)
        errors = self.article_errors.get(case.name, [])
        if not case.expect:
            return not errors and self.stored.get(case.name, 0) >= 1
        return (
            bool(errors)
            and not self.stored.get(case.name)
            and all(any(r in error for r in case.reasons) for error in errors)
        )
