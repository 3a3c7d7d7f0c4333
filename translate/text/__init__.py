"""Text: normalization, segmentation into blocks and sentences, date lines."""
