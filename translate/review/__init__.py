"""Review of finished batches: showing aligned pairs."""
