"""The CLI with click's CliRunner, and as a subprocess for exit codes and stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from backchannel.cli.main import cli
from tests.conftest import DATA


def run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["--db", db, *args], catch_exceptions=False, env={"COLUMNS": "250"}
    )
    return result.exit_code, result.output


def test_init_import_show_search_stats_export(db_url: str, tmp_path: Path) -> None:
    assert run(db_url, "init")[0] == 0
    code, out = run(
        db_url,
        "--json",
        "import",
        str(DATA / "persons.json"),
        "--source",
        "Service A",
        "--tlp",
        "amber",
        "--reliability",
        "B",
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[0]["event"] == "batch" and lines[-1]["event"] == "summary"
    assert lines[-1]["new"] == 17
    code, out = run(db_url, "--json", "show", "identity--00000000-0000-4000-8000-000000000002")
    view = json.loads(out)
    assert view["assessment"]["status"] == "killed"
    assert {s["prop"] for s in view["statements"]} >= {"name", "alias", "status", "member-of"}
    code, out = run(db_url, "show", "identity--00000000-0000-4000-8000-000000000002")
    assert "Report R12" in out and "B2" in out and "TLP:AMBER" in out
    code, out = run(db_url, "--json", "search", "Qaryani")
    # The person named so comes first; the report that mentions the name follows.
    assert [h["id"] for h in json.loads(out)] == [
        "identity--00000000-0000-4000-8000-000000000002",
        "report--00000000-0000-4000-8000-000000000009",
    ]
    code, out = run(db_url, "--json", "stats")
    rows = json.loads(out)
    assert {
        "group": "Katibat al-Fajr al-Gharbi",
        "nationality": "SY",
        "status": "killed",
        "persons": 1,
    } in rows
    out_file = tmp_path / "k.json"
    code, _ = run(db_url, "export", "--knowledge", "-o", str(out_file))
    assert code == 0 and json.loads(out_file.read_text())["type"] == "bundle"


def test_import_reports_rejections_and_exits_non_zero(db_url: str) -> None:
    code, out = run(db_url, "--json", "import", str(DATA / "bad.json"), "--source", "X")
    assert code == 1
    summary = json.loads(out.splitlines()[-1])
    assert summary["new"] == 2 and summary["rejected"] == 5
    first = summary["rejections"][0]
    assert set(first) == {"file", "position", "id", "property", "reason"}


def _subprocess(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backchannel", "--db", str(tmp_path / "kb.db"), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )


def test_user_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    cases = [
        (["show", "identity--x"], 4, "no database at"),
        (["import", "missing.json", "--source", "S"], 2, "missing.json: no such file"),
        (["import", str(DATA / "persons.json")], 2, "--source is required"),
        (
            ["import", str(DATA / "persons.json"), "--source", "S", "--tlp", "purple"],
            2,
            "unknown TLP level",
        ),
        (["export", "--modified-since", "yesterday"], 2, "not a UTC timestamp"),
    ]
    for args, code, text in cases:
        proc = _subprocess(tmp_path, *args)
        assert proc.returncode == code, (args, proc.stderr)
        assert proc.stderr.count("\n") == 1 and text in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_malformed_json_names_file_and_offset(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"type": "bundle", "objects": [{"type": "identity", ')
    proc = _subprocess(tmp_path, "import", str(bad), "--source", "S")
    assert proc.returncode == 2
    assert "broken.json" in proc.stderr and "malformed JSON" in proc.stderr


def test_stdin_and_gzip(tmp_path: Path) -> None:
    import gzip

    gz = tmp_path / "persons.json.gz"
    gz.write_bytes(gzip.compress((DATA / "persons.json").read_bytes()))
    proc = _subprocess(tmp_path, "--json", "import", str(gz), "--source", "S")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["new"] == 17
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "backchannel",
            "--db",
            str(tmp_path / "kb.db"),
            "--json",
            "import",
            "-",
            "--source",
            "Other",
        ],
        input=(DATA / "persons.json").read_text(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["redelivered"] == 17


def test_demo_runs_twice_and_changes_nothing_the_second_time(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    args = [
        "--db",
        db,
        "--json",
        "demo",
        "--persons",
        "40",
        "--data-dir",
        str(tmp_path / "demo-data"),
    ]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0
    summary = json.loads(first.output)
    assert summary["persons"] > 40  # several records per true person, before resolution
    assert all(i["rejected"] == 0 for i in summary["imports"])
    again = json.loads(CliRunner().invoke(cli, args, catch_exceptions=False).output)
    assert all(i["new"] == 0 and i["statements"] == 0 for i in again["imports"])
    assert again["statements"] == summary["statements"]
    human = CliRunner().invoke(cli, args[:2] + args[3:], env={"COLUMNS": "200"})
    assert "knowledge base" in human.output and "Service A" in human.output


def test_judge_show_merged_stats_and_unmerge(db_url: str) -> None:
    p1 = "identity--00000000-0000-4000-8000-000000000002"
    p2 = "identity--00000000-0000-4000-8000-000000000003"
    run(db_url, "import", str(DATA / "persons.json"), "--source", "Service A")
    before = json.loads(run(db_url, "--json", "stats")[1])
    code, out = run(
        db_url, "--json", "judge", p1, p2, "same", "--reason", "same DOB, photo", "--author", "ana"
    )
    assert code == 0 and json.loads(out)["members"] == [p1, p2]
    view = json.loads(run(db_url, "--json", "show", p2)[1])
    assert view["members"] == [p1, p2]
    assert {s["entity_id"] for s in view["statements"]} == {p1, p2}
    # Two records, one person: the statistics count the person once.
    after = json.loads(run(db_url, "--json", "stats")[1])
    assert sum(r["persons"] for r in after) < sum(r["persons"] for r in before)
    code, out = run(db_url, "--json", "unmerge", p2, "--reason", "different fathers")
    assert code == 0 and len(json.loads(out)["retracted"]) == 1
    assert json.loads(run(db_url, "--json", "stats")[1]) == before
    assert json.loads(run(db_url, "--json", "show", p2)[1])["members"] == [p2]
