"""Page HTML to article text and metadata."""

from ingest.extract.article import ExtractionError, extract_article
from ingest.extract.decode import decode_html

__all__ = ["ExtractionError", "decode_html", "extract_article"]
