"""Entry point: global options, error handling, command registration."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from backchannel import __version__
from backchannel.cli.context import AppContext
from backchannel.errors import BackchannelError
from backchannel.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db",
    metavar="URL|PATH",
    default=None,
    help="Database: a SQLite file path or a SQLAlchemy URL (postgresql://…). "
    "Default: $BACKCHANNEL_DATABASE_URL, else ./backchannel.db.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
@click.version_option(__version__, prog_name="backchannel")
@click.pass_context
def cli(ctx: click.Context, db: str | None, as_json: bool) -> None:
    """backchannel: a knowledge base on armed groups and their members where every fact has a
    source, a grade and a marking."""
    settings = Settings() if db is None else Settings(database_url=db)
    ctx.obj = AppContext(
        settings=settings, json=as_json, console=Console(stderr=as_json, highlight=False)
    )


def _register() -> None:
    from backchannel.cli import (
        audit,
        erasure,
        kb,
        liaison,
        read,
        releases,
        requests,
        resolution,
        screening,
        service,
        synth,
        taxii,
    )

    modules = (kb, read, resolution, screening, liaison, releases, requests, service, synth)
    for module in (*modules, audit, erasure, taxii):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console script: a :class:`BackchannelError` is one line on stderr and a non-zero exit."""
    try:
        code = cli.main(standalone_mode=False)
    except BackchannelError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(141)
    if isinstance(code, int) and code:
        sys.exit(code)
