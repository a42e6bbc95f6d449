"""Fixtures for the console tests: apps with their config and state kept in tmp_path (never the
user's directories), a clean environment, and a recorder of notifications."""

from __future__ import annotations

import pytest

from aptui.cli import load_scenario
from aptui.ui.app import AptuiApp

@pytest.fixture(autouse=True)
def _quiet_environment(monkeypatch):
    """Snapshots and themes must not depend on the developer's terminal settings."""
    for var in ("NO_COLOR", "TEXTUAL_THEME", "COLUMNS", "LINES"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def dirs(tmp_path):
    return {"config_dir": tmp_path / "config", "state_dir": tmp_path / "state"}


@pytest.fixture
def make_app(dirs):
    def make(scenario="2018", path=None, **kw):
        s = load_scenario(scenario) if isinstance(scenario, str) else scenario
        return AptuiApp(s, path, **{**dirs, **kw})

    return make


@pytest.fixture
def notes(monkeypatch):
    """Every notification as (message, title, severity)."""
    seen = []

    def record(app):
        original = app.notify

        def notify(message, *, title="", severity="information", **kw):
            seen.append((str(message), title, severity))
            return original(message, title=title, severity=severity, **kw)

        monkeypatch.setattr(app, "notify", notify)
        return seen

    return record


def end_process(recovery) -> None:
    """What the end of a console's process does to its recovery file: the kernel drops the lock,
    the file stays (the tests' consoles all share one process)."""
    import os

    if recovery._lock is not None:
        os.close(recovery._lock)
        recovery._lock = None


@pytest.fixture
def ended():
    return end_process
