"""The `ctdss` command line itself: what every subcommand's --help says, --version, and how an unknown option is
refused."""

from __future__ import annotations

import tomllib

import pytest
from support.warehouse_fixtures import REPO

from ctdss import cli
from ctdss.cli_parser import subcommands

EVERY = sorted(subcommands(cli._parser()))  # from the parser itself, so a subcommand added later is covered


def test_the_tree_has_every_subcommand_and_the_nested_ones():
    assert {"load", "inspect", "publish", "spark", "spark up", "spark compare"} <= set(EVERY)


@pytest.mark.parametrize("name", EVERY)
def test_every_subcommands_help_opens_with_a_sentence_saying_what_it_does(name, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([*name.split(), "--help"])
    assert exited.value.code == 0
    printed = capsys.readouterr().out
    usage, _, rest = printed.partition("\n\n")
    assert usage.startswith(f"usage: ctdss {name}")
    opening = " ".join(rest.split("\n\n", 1)[0].split())
    assert not opening.startswith(("options:", "positional arguments:")), f"`ctdss {name} --help` has no description"
    assert opening[0].isupper() and "." in opening, opening


def test_version_prints_the_installed_package_version(capsys):
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"ctdss {version}"


@pytest.mark.parametrize("argv", [["load", "--no-such-flag"], ["spark", "down", "--no-such-flag"]])
def test_an_unknown_option_shows_the_usage_of_the_subcommand_it_follows(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    name = " ".join(argv[:-1])
    assert err.startswith(f"usage: ctdss {name} ") and f"ctdss {name}: error: unrecognized arguments: --no-such-flag" \
        in err


def test_unmapped_without_a_parsed_project_says_there_is_nothing_to_read(tmp_path, capsys):
    assert cli.main(["unmapped", "--target-path", str(tmp_path), "--db", str(tmp_path / "none.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "No names_are_mapped test to read" in out and "every name is mapped" not in out.lower()
