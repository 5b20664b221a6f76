"""Manifests: a list of bundles, each with the envelope it was delivered in."""

from __future__ import annotations

from pathlib import Path

import orjson

from backchannel.errors import InvalidInput
from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability

_FIELDS = ("file", "source", "originator", "channel", "tlp", "reliability", "credibility")


def read_manifest(path: Path) -> list[tuple[list[str], Envelope]]:
    """``[(files, envelope)]`` from a manifest JSON; file paths are relative to the manifest."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InvalidInput("cannot read manifest", where=str(path), why=str(exc)) from None
    bundles = data.get("bundles") if isinstance(data, dict) else None
    if not isinstance(bundles, list) or not bundles:
        raise InvalidInput("manifest has no 'bundles' list", where=str(path))
    jobs = []
    for i, b in enumerate(bundles):
        where = f"{path}: bundles[{i}]"
        if not isinstance(b, dict):
            raise InvalidInput("expected an object", where=where)
        missing = [f for f in _FIELDS if f not in b]
        if missing:
            raise InvalidInput(f"missing {', '.join(missing)}", where=where)
        try:
            env = Envelope(
                source=str(b["source"]),
                originator=str(b["originator"]),
                channel=str(b["channel"]),
                tlp=TLP.parse(str(b["tlp"])),
                reliability=Reliability.parse(str(b["reliability"])),
                credibility=Credibility.parse(b["credibility"]),
            )
        except InvalidInput as exc:
            raise InvalidInput(exc.what, where=where, why=exc.why) from None
        jobs.append(([str(path.parent / b["file"])], env))
    return jobs
