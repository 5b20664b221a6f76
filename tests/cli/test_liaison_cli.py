"""The liaison commands end to end: partners, agreements, releases, requests, receipts."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from backchannel.cli.main import cli
from backchannel.errors import BackchannelError
from tests.conftest import DATA

TERMS = {
    "status": "active",
    "tlp_ceiling": "amber",
    "categories": ["persons", "groups", "status", "statistics"],
    "granularity": "person-level",
    "purpose": "counter-terrorism cooperation",
}


def run(db: str, *args: str, user: str = "alice", key: Path | None = None) -> tuple[int, str]:
    env = {"COLUMNS": "250", "BACKCHANNEL_USER": user}
    if key is not None:
        env["BACKCHANNEL_AUDIT_KEY_FILE"] = str(key)
    result = CliRunner().invoke(cli, ["--db", db, *args], env=env)
    if isinstance(result.exception, BackchannelError):  # what main() prints and exits with
        return result.exception.exit_code, result.output + result.exception.message
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_a_liaison_officers_day(db_url: str, tmp_path: Path) -> None:
    key = tmp_path / "audit.key"
    assert run(db_url, "init")[0] == 0
    run(db_url, "import", str(DATA / "persons.json"), "--source", "Service A")
    assert run(db_url, "partner", "add", "au", "--name", "Service AU")[0] == 0
    assert run(db_url, "partner", "originator", "Service A", "own")[0] == 0
    # An invalid agreement is refused with the field; nothing is written.
    code, out = run(
        db_url, "agreement", "set", "au", "--reason", "x", "--terms", '{"tlp_ceiling": "red"}'
    )
    assert code == 2 and "tlp_ceiling" in out
    # A terms file with a NUL character is refused with the file and the property.
    nul = tmp_path / "nul-terms.json"
    nul.write_text(json.dumps(TERMS | {"purpose": "counter\x00terrorism"}))
    code, out = run(db_url, "agreement", "set", "au", "--reason", "x", "--file", str(nul))
    assert code == 2 and "NUL" in out and "nul-terms.json: purpose" in out, out
    terms = json.dumps(TERMS)
    assert run(db_url, "agreement", "set", "au", "--reason", "MoU", "--terms", terms)[0] == 0
    code, out = run(db_url, "--json", "agreement", "show", "au", "--history")
    assert [v["version"] for v in json.loads(out)] == [1]
    code, out = run(db_url, "--json", "release", "preview", "--partner", "au")
    preview = json.loads(out)
    reasons = {r["code"] for d in preview["decisions"] for r in d["reasons"]}
    assert preview["entities"]["release"] == 3 and "subject-category" in reasons
    code, out = run(
        db_url, "--json", "release", "publish", "--partner", "au", "--purpose", "case 1"
    )
    published = json.loads(out)
    assert code == 0 and published["objects"] > 0 and len(published["audit"]) == 1
    # Requests: decided by someone other than who entered them.
    assert (
        run(
            db_url, "request", "submit", "--partner", "au", "--nationality", "FR", "--purpose", "c2"
        )[0]
        == 0
    )
    code, out = run(db_url, "request", "approve", "1")
    assert code == 2 and "someone other" in out
    code, out = run(db_url, "--json", "request", "approve", "1", user="bob")
    assert code == 0 and json.loads(out)["state"] == "approved"
    # The partner's side: the bundle, the receipt, the public key; verified offline.
    bundle, receipt, public = tmp_path / "b.json", tmp_path / "r.json", tmp_path / "k.txt"
    seq = str(published["release"])
    assert (
        run(db_url, "release", "bundle", "--partner", "au", "--release", seq, "-o", str(bundle))[0]
        == 0
    )
    assert (
        run(
            db_url,
            "release",
            "receipt",
            "--partner",
            "au",
            "--release",
            seq,
            "-o",
            str(receipt),
            key=key,
        )[0]
        == 0
    )
    code, out = run(db_url, "audit", "public-key", key=key)
    public.write_text(out.strip().splitlines()[-1])
    code, out = run(
        db_url,
        "release",
        "verify",
        str(receipt),
        "--bundle",
        str(bundle),
        "--public-key",
        str(public),
        "--partner",
        "au",
    )
    assert code == 0 and "verified" in out
    code, out = run(
        db_url,
        "release",
        "verify",
        str(receipt),
        "--bundle",
        str(bundle),
        "--public-key",
        str(public),
        "--partner",
        "zz",
    )
    assert code == 1
    code, out = run(db_url, "--json", "release", "stats", "--partner", "au", "--k", "1")
    assert code == 0 and json.loads(out)["groups"]
    code, out = run(db_url, "audit", "verify", key=key)
    assert code == 0
