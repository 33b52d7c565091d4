"""Features computed once per text and shared by detectors (hashed n-grams, embeddings)."""
