"""Review of finished batches: showing aligned pairs, exporting and importing corrections, status."""
