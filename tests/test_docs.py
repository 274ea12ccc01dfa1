"""The README documents every command, every search option, and the test command CI runs."""

from __future__ import annotations

import re

from typer.main import get_command

from searchkit.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented_with_help():
    group = get_command(app)
    for name, cmd in group.commands.items():
        assert f"searchkit {name}" in README, name
        assert cmd.help, name


def test_every_search_option_is_documented():
    search = get_command(app).commands["search"]
    for param in search.params:
        longs = [o for o in param.opts if o.startswith("--")]
        if longs and longs[0] != "--help":
            assert longs[0] in README, longs[0]


def test_ci_runs_the_readme_test_command():
    readme_cmd = re.search(r"python -m pytest[^\n`]*", README).group().strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_cmd in ci
