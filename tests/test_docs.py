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


def _examples(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_every_readme_command_example_prints_something(workdir):
    """Each `searchkit search/papers/show/similar/stats` line of the README, run on the seed."""
    import shlex

    from typer.testing import CliRunner

    runner = CliRunner()
    assert runner.invoke(app, ["index", "-q"]).exit_code == 0
    (workdir / "queries.txt").write_text('alignment faking\n{"query": "報酬", "limit": 2}\n', encoding="utf-8")
    ran = 0
    for block in _examples("bash"):
        for line in block.splitlines():
            line = re.split(r"\s#\s", line)[0].strip()
            if not line.startswith("searchkit ") or line.split()[1] not in (
                "search",
                "papers",
                "show",
                "similar",
                "stats",
            ):
                continue
            if "--index" in line:
                continue  # examples on another collection
            res = runner.invoke(app, shlex.split(line)[1:])
            assert res.exit_code == 0 and res.stdout.strip(), (line, res.exit_code, res.stderr)
            ran += 1
    assert ran >= 15


def test_the_readme_python_example_prints_something(workdir, capsys):
    (code,) = [b for b in _examples("python") if "open_index" in b]
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) >= 4, out
