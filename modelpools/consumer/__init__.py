"""The consumer side: what a site generator uses at build time (reads the pools file; never imports stages)."""
