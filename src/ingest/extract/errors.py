"""Why a page yields no article: light to import, for the process that only hands pages to workers."""


class ExtractionError(Exception):
    """The document holds no article text that can be extracted."""


class NotHTML(ExtractionError):
    """The linked page is not an HTML document."""
