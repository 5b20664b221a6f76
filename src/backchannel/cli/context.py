"""What every command gets: settings, output mode, and a way to open the store."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console

from backchannel.errors import InvalidInput
from backchannel.settings import Settings
from backchannel.stix.validate import nul_paths
from backchannel.store.engine import Store, open_store


@dataclass
class AppContext:
    settings: Settings
    json: bool
    console: Console

    def store(self, *, create: bool = False) -> Store:
        return open_store(self.settings.database_url, create=create)

    def emit_json(self, data: Any) -> None:
        sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
        sys.stdout.flush()

    def emit_line(self, data: Any) -> None:
        """One JSON document per line (for streams of events)."""
        sys.stdout.buffer.write(orjson.dumps(data) + b"\n")
        sys.stdout.flush()


pass_app = click.make_pass_decorator(AppContext)


def read_text(path: Path) -> str:
    """A UTF-8 text file named on the command line, or a clear error."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}", why=str(exc)) from None


def parse_json(text: str | bytes, *, where: str) -> Any:
    """JSON given on the command line or in a file, or an error saying where."""
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("not JSON", where=where, why=str(exc)) from None
    for path in nul_paths(doc):
        raise InvalidInput(
            "text contains a NUL character (U+0000)",
            where=f"{where}: {path}",
            why="it cannot be stored",
        )
    return doc
