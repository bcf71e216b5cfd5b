"""One poll after another: the daemon, a poll of one feed, its new articles, and what they share."""
