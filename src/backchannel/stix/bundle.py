"""Writing STIX 2.1 bundles as a stream, with a deterministic bundle id."""

from __future__ import annotations

import hashlib
import uuid
from typing import IO, Any

import orjson

from backchannel.model.envelope import NAMESPACE


class BundleWriter:
    """Writes ``{"type":"bundle","objects":[...],"id":...}`` one object at a time.

    The bundle id is derived from the content written, so exporting the same thing twice gives
    byte-identical output.
    """

    def __init__(self, out: IO[bytes], *, indent: bool = False) -> None:
        self.out = out
        self.count = 0
        self._hash = hashlib.sha256()
        self._opts = orjson.OPT_INDENT_2 if indent else 0
        out.write(b'{"type":"bundle","objects":[')

    def write(self, obj: dict[str, Any]) -> None:
        data = orjson.dumps(obj, option=self._opts)
        self._hash.update(data)
        self.out.write(b"\n" if self.count == 0 else b",\n")
        self.out.write(data)
        self.count += 1

    def close(self) -> None:
        bundle_id = "bundle--" + str(uuid.uuid5(NAMESPACE, self._hash.hexdigest()))
        self.out.write(b'\n],"id":"' + bundle_id.encode() + b'"}\n')
        self.out.flush()
