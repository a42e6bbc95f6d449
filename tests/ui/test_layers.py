"""The model, engine and formats stay free of Textual; the console imports only when opened."""

from __future__ import annotations

import subprocess
import sys


def test_core_layers_do_not_import_textual():
    code = ("import sys, aptui.model, aptui.engine, aptui.formats.scenario, aptui.formats.results, aptui.cli, "
            "aptui.ui.edits, aptui.ui.cells, aptui.ui.session, aptui.ui.runner, aptui.ui.recovery; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
