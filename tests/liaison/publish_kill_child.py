"""Child side of the kill -9 test of publishing (test_publish_kill.py).

Run as ``python publish_kill_child.py DB_URL``. Like ``tests/ingest/kill_child.py`` it imports
the package once and then acts as a fork server driven by lines on stdin:

* ``run``  - fork a worker that publishes releases to partner ``au`` over and over, each time
  first toggling whether the agreement covers status assertions, so every publish writes new
  object versions (the agreement change and the publish share one transaction);
* ``reap`` - wait for that worker and report how it ended;
* ``quit`` (or end of input) - exit.

Output is one JSON object per line, each written with a single ``os.write``:
``{"event": "start", "pid": ...}``; ``{"event": "release", "seq": ..., "audit": [...],
"objects": ...}`` only **after** the release's transaction has committed; ``{"event": "done"}``;
``{"event": "error", "error": ...}``; ``{"event": "exit", "pid", "signal", "code"}``.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: find tests/

from backchannel.liaison.agreement import Category
from backchannel.store.engine import open_store
from backchannel.store.partners import change_agreement, current_terms
from backchannel.store.releases import publish
from tests.fork_server import say, serve

PUBLISHES = 400  # per run; the parent kills long before


def work(db_url: str) -> None:
    say({"event": "start", "pid": os.getpid()})
    store = open_store(db_url)
    try:
        for _ in range(PUBLISHES):
            now = datetime.now(UTC)
            with store.write() as conn:
                covers = Category.STATUS in current_terms(conn)["au"].categories
                categories = ["persons", "groups"] + ([] if covers else ["status"])
                change_agreement(
                    conn, "au", {"categories": categories}, author="admin", reason="toggle", now=now
                )
                pub = publish(conn, "au", author="alice", purpose="case 21", now=now)
            say(
                {
                    "event": "release",
                    "seq": pub.seq,
                    "audit": list(pub.audit_seqs),
                    "objects": pub.objects,
                }
            )
    finally:
        store.close()
    say({"event": "done"})


def main(argv: list[str]) -> int:
    db_url = argv[1]
    return serve("publish_kill_child", lambda: work(db_url))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
