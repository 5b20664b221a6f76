"""Print the CLI reference (docs/cli.md) generated from the commands' own help texts.

`make docs` writes it; tests/test_docs.py fails when docs/cli.md is out of date.
"""

from __future__ import annotations

import click

from backchannel.cli.main import cli


def render() -> str:
    lines = [
        "# CLI reference",
        "",
        "Generated from the code by `make docs`; a test fails when this file is out of date.",
        "",
        "Global options come before the command: `backchannel [--db URL|PATH] [--json] "
        "COMMAND ...`.",
        "",
    ]
    # The same context settings as a real run, so help output does not depend on what ran before.
    root = click.Context(
        cli,
        info_name="backchannel",
        terminal_width=100,
        max_content_width=100,
        **cli.context_settings,
    )
    lines += ["```", cli.get_help(root), "```", ""]
    lines += _commands(cli, root, level=2)
    return "\n".join(lines)


def _commands(group: click.Group, parent: click.Context, *, level: int) -> list[str]:
    """Every command of a group, and of its sub-groups, each under its own heading."""
    lines: list[str] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        ctx = click.Context(
            command,
            info_name=name,
            parent=parent,
            terminal_width=100,
            max_content_width=100,
        )
        path = ctx.command_path
        lines += [f"{'#' * level} `{path}`", "", "```", command.get_help(ctx), "```", ""]
        if isinstance(command, click.Group):
            lines += _commands(command, ctx, level=level + 1)
    return lines


if __name__ == "__main__":
    print(render(), end="")
