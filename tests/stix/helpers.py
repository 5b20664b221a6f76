"""Small helpers shared by the STIX tests."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from stix2validator import ValidationOptions, validate_parsed_json

from backchannel.stix.writer import ExportFilter, export_archive, export_knowledge
from backchannel.store.engine import Store


def knowledge(store: Store, filt: ExportFilter | None = None) -> bytes:
    out = io.BytesIO()
    with store.read() as conn:
        export_knowledge(conn, out, filt=filt or ExportFilter())
    return out.getvalue()


def received(
    store: Store, *, all_versions: bool = False, filt: ExportFilter | None = None
) -> dict[str, Any]:
    out = io.BytesIO()
    with store.read() as conn:
        export_archive(conn, out, filt=filt or ExportFilter(), all_versions=all_versions)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def validator_errors(bundle: bytes | dict[str, Any]) -> list[str]:
    """Every stix2-validator error (not warning) for a bundle, as readable lines."""
    data = json.loads(bundle) if isinstance(bundle, bytes) else bundle
    results = validate_parsed_json(data, ValidationOptions(version="2.1"))
    results = results if isinstance(results, list) else [results]
    return [f"{r.object_id}: {e}" for r in results for e in r.errors]


def write_bundle(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "bundle",
                "id": "bundle--00000000-0000-4000-8000-0000000000aa",
                "objects": objects,
            }
        )
    )
    return path
