"""Stories as people read them: extractive digests, the optional model, and the records kept fresh."""
