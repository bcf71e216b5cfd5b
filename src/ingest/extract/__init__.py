"""Page HTML to article text and metadata."""

from ingest.extract.article import ExtractionError, body_text, extract_article
from ingest.extract.decode import decode_html

__all__ = ["ExtractionError", "body_text", "decode_html", "extract_article"]
