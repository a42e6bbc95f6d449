"""`aptui run` output: the JSON of spec 9 and the human-readable table."""
