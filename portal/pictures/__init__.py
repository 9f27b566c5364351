"""Pictures as bytes: decoding and re-encoding them safely, and keeping the files."""
