"""A STIX 2.1 bundle written one object at a time, so its size never has to fit in memory."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import orjson


class BundleWriter:
    """Writes ``{"type":"bundle","id":...,"objects":[`` then each object, then ``]}``.

    One object per line keeps the file greppable and diffable without pretty-printing it.
    """

    def __init__(self, path: Path, bundle_id: str) -> None:
        self.path = path
        self.count = 0
        self._fh = path.open("wb", buffering=1 << 20)
        self._fh.write(b'{"type":"bundle","id":"' + bundle_id.encode() + b'","objects":[\n')

    def write(self, obj: dict[str, Any]) -> None:
        """Append one object."""
        data = orjson.dumps(obj)
        self._fh.write(b",\n" + data if self.count else data)
        self.count += 1

    def close(self) -> None:
        """Close the array and the file; idempotent."""
        if not self._fh.closed:
            self._fh.write(b"\n]}\n")
            self._fh.close()

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
