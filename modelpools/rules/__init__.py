"""Pure rules: the decisions of the pipeline as functions of data (no file, network or clock)."""
