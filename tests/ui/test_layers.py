"""The layers import downwards only (model < engine < formats < console < ui < cli), and the
command line's fast paths load no Textual."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = str(Path(sys.executable).parent / "lint-imports")  # installed with the test extra, beside python


def test_import_contracts_hold():
    """The contracts of pyproject.toml's [tool.importlinter], checked on the source tree."""
    out = subprocess.run([LINT, str(ROOT / "pyproject.toml")], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract is not vacuous: a model module that imports the engine is caught."""
    import shutil

    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "aptui", tree / "aptui")
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    (tree / "aptui" / "model" / "upward.py").write_text("import aptui.engine.engine\n")
    out = subprocess.run([LINT, str(tree / "pyproject.toml")],
                         capture_output=True, text=True, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)})
    assert out.returncode != 0
    assert "BROKEN" in out.stdout


def test_core_layers_do_not_import_textual():
    code = ("import sys, aptui.model, aptui.engine, aptui.formats, aptui.cli, aptui.console.edits, "
            "aptui.console.cells, aptui.console.session, aptui.console.runner, aptui.console.recovery; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
