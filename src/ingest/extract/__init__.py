"""Page HTML to article text and metadata.

The errors are imported at once; the extraction itself (trafilatura, lxml: a third of a second) only
when first used, since the process that fetches pages hands them to workers and never extracts.
"""

from typing import Any

from ingest.extract.errors import ExtractionError, NotHTML

__all__ = ["ExtractionError", "NotHTML", "decode_html", "extract_article"]


def __getattr__(name: str) -> Any:
    if name == "extract_article":
        from ingest.extract.article import extract_article

        return extract_article
    if name == "decode_html":
        from ingest.extract.decode import decode_html

        return decode_html
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
