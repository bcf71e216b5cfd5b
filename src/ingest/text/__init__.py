"""Text helpers every stage shares: URLs, dates, names, clean-up and language; pure, no I/O."""
