"""URLs as identities: the canonical form, the site a URL belongs to, and the article id made from it."""

from __future__ import annotations

import hashlib

from tld import get_fld
from yarl import URL

# Query parameters that identify a click or a campaign, never the document.
_TRACKING_EXACT = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "mkt_tok", "_hsenc", "_hsmi", "oly_anon_id", "oly_enc_id", "vero_id",
        "cmpid", "ncid", "ocid", "s_cid", "sr_share", "spm", "__twitter_impression",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "ns_", "at_", "pk_", "mtm_", "hsa_")


def canonical_url(url: str) -> str:
    """`url` as an identity: lower-case host, no default port, fragment or tracking parameters."""
    parsed = URL(url.strip())
    # Filter the raw query so kept parameters keep their exact encoding.
    kept = [pair for pair in parsed.raw_query_string.split("&") if pair and not _is_tracking(pair)]
    base = parsed.with_query(None).with_fragment(None).with_path(parsed.raw_path or "/", encoded=True)
    # yarl lower-cases scheme and host and drops default ports
    return str(base) + ("?" + "&".join(kept) if kept else "")


def _is_tracking(pair: str) -> bool:
    key = pair.split("=", 1)[0].lower()
    return key in _TRACKING_EXACT or key.startswith(_TRACKING_PREFIXES)


def choose_canonical(fetched_url: str, declared: str | None) -> str:
    """The page's declared canonical URL when it is absolute http(s) on the same site, else the fetched one."""
    if declared:
        try:
            candidate = URL(fetched_url).join(URL(declared.strip()))
        except ValueError:
            candidate = None
        if candidate is not None and candidate.scheme in ("http", "https") and candidate.host:
            if same_site(fetched_url, str(candidate)):
                return canonical_url(str(candidate))
    return canonical_url(fetched_url)


def same_site(a: str, b: str) -> bool:
    """Whether two URLs belong to one registrable domain (example.co.uk), or one host if not public."""
    return _site(a) == _site(b)


def _site(url: str) -> str:
    host = (URL(url).host or "").lower()
    return get_fld(host, fix_protocol=True, fail_silently=True) or host


def host_names(host: str) -> list[str]:
    """The site names a host implies: "tmz.com" and "tmz" for www.tmz.com, "bbc.co.uk" and "bbc"."""
    domain = get_fld(host, fix_protocol=True, fail_silently=True) if host else None
    return [domain, domain.split(".")[0]] if domain else []


def source_of(url: str) -> str:
    """The publisher's host as the records show it: `edition.cnn.com`, `cbsnews.com`."""
    host = (URL(url).host or "").lower()
    return host.removeprefix("www.")


def article_id(canonical: str) -> str:
    """A stable id: the first 16 hex digits of the canonical URL's SHA-256."""
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
