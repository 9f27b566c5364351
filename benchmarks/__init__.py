"""Benchmarks of the portal: a generated organisation, a ceiling app of the same stack, and a
runner that loads both in turns with ``wrk``. See benchmarks/README.md."""
