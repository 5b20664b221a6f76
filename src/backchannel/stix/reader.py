"""Streaming reader for STIX 2.1 bundles: files, ``.json.gz``, directories and stdin.

Objects are yielded one at a time with their position in the bundle, so a 1 GB bundle is read in
bounded memory. Syntax errors are reported with the file and the byte offset where parsing stopped.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from backchannel.errors import InvalidInput
from backchannel.stix.validate import Problem


@dataclass(frozen=True, slots=True)
class Located:
    """An object and where it came from: file name and 1-based position in ``objects``."""

    file: str
    position: int
    obj: Any
    # Problems found while converting a non-STIX record; such a record is rejected as is.
    problems: tuple[Problem, ...] = ()


def expand_inputs(
    paths: list[str], *, suffixes: tuple[str, ...] = (".json", ".json.gz")
) -> list[str]:
    """Files as given; directories expand to their files with one of ``suffixes``, sorted."""
    out: list[str] = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(
                str(f) for f in path.rglob("*") if f.is_file() and f.name.endswith(suffixes)
            )
            if not found:
                raise InvalidInput(f"directory contains no {' or '.join(suffixes)} files", where=p)
            out.extend(found)
        elif path.is_file():
            out.append(p)
        else:
            raise InvalidInput("no such file or directory", where=p)
    return out


def _open(name: str) -> IO[bytes]:
    if name == "-":
        return sys.stdin.buffer
    raw = open(name, "rb")  # noqa: SIM115 - closed by the caller
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


def read_bundle(name: str) -> Iterator[Located]:
    """Yield every element of the bundle's ``objects`` array, in order.

    A TAXII envelope (``{"objects": [...]}``) is read the same way. Raises :class:`InvalidInput`
    (file and byte offset) if the JSON is malformed, or if the file has no ``objects`` array.
    """
    stream = _open(name)
    label = "<stdin>" if name == "-" else name
    position = 0
    try:
        for obj in ijson.items(stream, "objects.item", use_float=True):
            position += 1
            yield Located(label, position, obj)
        if position == 0:
            _check_empty_bundle(name, label)
    except ijson.JSONError as exc:
        offset = _offset(stream)
        raise InvalidInput(
            "malformed JSON",
            where=f"{label} (after object {position}, near byte {offset})",
            why=str(exc),
        ) from None
    except (OSError, EOFError) as exc:
        raise InvalidInput("cannot read file", where=label, why=str(exc)) from None
    finally:
        if name != "-":
            stream.close()


def _check_empty_bundle(name: str, label: str) -> None:
    """No objects were found: tell an empty bundle (fine) from something else (an error)."""
    if name == "-":
        raise InvalidInput(
            "no STIX objects on standard input",
            where=label,
            why="expected a bundle with an 'objects' array",
        )
    with _open(name) as stream:
        top = {k: v for k, v in ijson.kvitems(stream, "") if k in ("type", "objects")}
    if top.get("type") == "bundle" or "objects" in top:
        return
    kind = top.get("type")
    raise InvalidInput(
        "not a STIX bundle",
        where=label,
        why=f"top-level type is {kind!r}, expected 'bundle'" if kind else "no 'objects' array",
    )


def _offset(stream: IO[bytes]) -> str:
    try:
        return str(stream.tell())
    except (OSError, ValueError):
        return "?"
