"""The registry of real formats: every record names functions its module has, and the command
line offers what the registry lists."""

import pytest

from aptui.cli import main
from aptui.formats.real.registry import EXPORTS, FORMATS, IMPORTS


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_each_format_names_functions_its_module_has(fmt):
    assert callable(fmt.function(fmt.export))
    if fmt.reads:
        assert callable(fmt.function(fmt.read))


@pytest.mark.parametrize("command, names", [("import", IMPORTS), ("export", EXPORTS)])
def test_the_command_line_offers_the_registry(command, names, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "{" + ",".join(names) + "}" in capsys.readouterr().out
