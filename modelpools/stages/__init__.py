"""The pipeline stages run by doit: read typed inputs, run a pure transform, write (catalog -> benchmarks -> match -> pools -> validate)."""
