"""The per-article stages around the model: planning segments, aligning, quality flags, summaries."""
