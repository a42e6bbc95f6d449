"""The scenario file (spec 8): its TOML reader and writer, and the line of each key for messages."""
