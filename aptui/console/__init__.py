"""The console's state without Textual: edits, cell states, the session, the runner, recovery.

The UI (aptui/ui/) draws these; tests and tools drive them directly.
"""
