"""Near-duplicate detection and story clustering: pure, in-memory, fed one article at a time."""
