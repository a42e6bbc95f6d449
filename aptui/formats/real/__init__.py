"""The real configurations aptui reads and writes (spec 9): one module per format, named in registry.py,
and what they share."""
