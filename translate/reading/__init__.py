"""Reading inputs: finding article files, decoding their bytes, extracting web pages."""
