"""Why a page yields no article: light to import, for the process that only hands pages to workers."""


class ExtractionError(Exception):
    """The document holds no article text that can be extracted."""


class NotHTML(ExtractionError):
    """The linked page is not an HTML document."""


HTML_TYPES = ("text/html", "application/xhtml+xml")


def require_html(content_type: str | None) -> None:
    """NotHTML unless a page's Content-Type is an HTML one (or absent: then the bytes decide)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        raise NotHTML(f"content type {media_type!r} is not HTML")
