"""What ingest gives other tools, without I/O: webhook deliveries (and, next, the read API's feeds)."""
