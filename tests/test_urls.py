"""URLs as identities: canonical form, sites and sources, article ids."""

from __future__ import annotations

import hashlib

import pytest

from ingest.text.urls import article_id, canonical_url, choose_canonical, same_site, source_of

# ---------------------------------------------------------------- canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # tracking parameters go, the others stay in their order
        (
            "https://example.com/a?utm_source=rss&id=7&utm_medium=feed&page=2&fbclid=abc",
            "https://example.com/a?id=7&page=2",
        ),
        ("https://example.com/a?gclid=1&z=2&a=1", "https://example.com/a?z=2&a=1"),
        ("https://example.com/a?UTM_Campaign=x&b=1", "https://example.com/a?b=1"),
        ("https://example.com/a?utm_source=x", "https://example.com/a"),
        # kept parameters keep their encoding: these escapes change the meaning if decoded
        ("https://example.com/s?q=a%26b&r=a+b&t=a%2Bb", "https://example.com/s?q=a%26b&r=a+b&t=a%2Bb"),
        ("https://example.com/s?q=x%3Dy&h=%23top", "https://example.com/s?q=x%3Dy&h=%23top"),
        ("https://example.com/s?q=caf%C3%A9&utm_term=x", "https://example.com/s?q=caf%C3%A9"),
        # a parameter that only starts like a tracking one is kept
        ("https://example.com/s?utmost=1&gclid_like=2", "https://example.com/s?utmost=1&gclid_like=2"),
        # fragment dropped
        ("https://example.com/story#comments", "https://example.com/story"),
        ("https://example.com/story?id=1#top", "https://example.com/story?id=1"),
        # host lower-cased, default port dropped, other ports kept
        ("HTTPS://News.Example.COM/Path/Case", "https://news.example.com/Path/Case"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        # empty path
        ("https://example.com", "https://example.com/"),
        ("https://example.com?id=1", "https://example.com/?id=1"),
        ("https://example.com/?", "https://example.com/"),
        # path escapes kept as they are
        ("https://example.com/a%2Fb/c%20d", "https://example.com/a%2Fb/c%20d"),
        ("  https://example.com/padded  ", "https://example.com/padded"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTP://Example.com:80/a?utm_source=x&b=%26&c=1#f")
    assert canonical_url(once) == once


# ---------------------------------------------------------------- choose_canonical and sites


@pytest.mark.parametrize(
    ("fetched", "declared", "expected"),
    [
        # same site: absolute, relative, protocol-relative, another subdomain
        (
            "https://www.example.com/a?utm_source=x",
            "https://www.example.com/story-1",
            "https://www.example.com/story-1",
        ),
        ("https://www.example.com/amp/1", "/story-1?utm_medium=x", "https://www.example.com/story-1"),
        ("https://www.example.com/a/b", "../c", "https://www.example.com/c"),
        ("https://m.example.com/1", "//www.example.com/1", "https://www.example.com/1"),
        ("https://m.example.com/1", "https://www.example.com/1#x", "https://www.example.com/1"),
        # registrable domain by the public suffix list
        ("https://news.bbc.co.uk/1", "https://www.bbc.co.uk/news/1", "https://www.bbc.co.uk/news/1"),
        # cross-site: refused, the fetched URL (canonicalised) wins
        ("https://a.co.uk/story?utm_source=x", "https://b.co.uk/story", "https://a.co.uk/story"),
        ("https://example.com/story", "https://evil.example.net/story", "https://example.com/story"),
        ("https://example.com/story", "//evil.example.net/story", "https://example.com/story"),
        # not http(s), empty, missing
        ("https://example.com/story", "javascript:alert(1)", "https://example.com/story"),
        ("https://example.com/story", "mailto:x@example.com", "https://example.com/story"),
        ("https://example.com/story", "   ", "https://example.com/story"),
        ("https://example.com/story", None, "https://example.com/story"),
    ],
)
def test_choose_canonical(fetched: str, declared: str | None, expected: str) -> None:
    assert choose_canonical(fetched, declared) == expected


def test_same_site_uses_the_public_suffix_list() -> None:
    assert same_site("https://a.example.co.uk/", "https://b.example.co.uk/x")
    assert not same_site("https://a.co.uk/", "https://b.co.uk/")
    assert not same_site("https://alice.github.io/", "https://bob.github.io/")  # a private suffix
    assert same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b")  # no suffix: the host
    assert not same_site("http://127.0.0.1/", "http://127.0.0.2/")


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://www.bbc.com/news/1", "bbc.com"),
        ("https://edition.cnn.com/2025/06/24/x", "edition.cnn.com"),
        ("https://WWW.Example.COM/x", "example.com"),
        ("https://www2.example.com/x", "www2.example.com"),
        ("https://wwwexample.com/x", "wwwexample.com"),
    ],
)
def test_source_of(url: str, source: str) -> None:
    assert source_of(url) == source


def test_article_id_is_a_hash_prefix_of_the_canonical_url() -> None:
    canonical = "https://example.com/story"
    assert article_id(canonical) == hashlib.sha256(canonical.encode()).hexdigest()[:16]
    assert article_id(canonical) != article_id(canonical + "?page=2")
