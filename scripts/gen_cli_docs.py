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
    for name in sorted(cli.commands):
        command = cli.commands[name]
        ctx = click.Context(
            command,
            info_name=f"backchannel {name}",
            parent=root,
            terminal_width=100,
            max_content_width=100,
        )
        lines += [f"## `backchannel {name}`", "", "```", command.get_help(ctx), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
