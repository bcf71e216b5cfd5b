"""Imported once by the workers' fork server, before it forks any worker: what every job needs,
loaded once and shared by the workers' pages (copy-on-write) rather than loaded by each.

Never imported by the main process, which hands out work and needs none of this.
"""

import datasketch  # noqa: F401  signatures are made in the workers (dedupe.fingerprint imports it late)

import ingest.extract.article  # noqa: F401  trafilatura, lxml, our extraction
import ingest.extract.fragment  # noqa: F401
import ingest.feeds.parse  # noqa: F401  feedparser
import ingest.normalize  # noqa: F401
import ingest.stories.summary  # noqa: F401
from ingest.ops.logs import quiet_libraries
from ingest.text.language import ModelUnavailable, load_model

quiet_libraries()
try:
    load_model()  # about 70 MB and most of a second: once here, not once per worker
except ModelUnavailable:
    pass  # each job then tries itself, and an article fails with the reason (a full temporary folder)
