"""Docs that must stay true: the CLI reference, and help on every command and option."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from backchannel.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]


def _render() -> str:
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rendered: str = module.render()
    return rendered


def test_cli_reference_is_up_to_date() -> None:
    assert (ROOT / "docs" / "cli.md").read_text() == _render(), "run `make docs`"


def test_every_command_and_option_is_documented() -> None:
    missing = []
    for name, command in cli.commands.items():
        if not (command.help or "").strip():
            missing.append(name)
        for param in command.params:
            if param.param_type_name == "option" and not getattr(param, "help", None):
                missing.append(f"{name} {param.name}")
    assert missing == []


def test_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
