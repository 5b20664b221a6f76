"""Child side of the kill -9 durability test (RELIABILITY.md DU-2/DU-3).

Run as ``python kill_child.py DB_URL BUNDLE BATCH_SIZE ENVELOPE_JSON``. The process imports the
package once (a cold interpreter takes over a second to import it, which would dominate a kill
loop), then acts as a fork server driven by lines on stdin:

* ``run``  - fork a worker that imports the bundle into the database with ``import_stix``;
* ``reap`` - wait for that worker to end (it stays a zombie until then, so the parent can
  SIGKILL its pid without any risk of hitting a recycled pid) and report how it ended;
* ``quit`` (or end of input) - exit.

Everything either process says goes to stdout as one JSON object per line, written with a single
``os.write`` (atomic on a pipe for lines shorter than PIPE_BUF):

* ``{"event": "start", "pid": ...}`` - the worker has started;
* ``{"event": "batch", "batch": ..., "through": ..., "wrote": ...}`` - emitted from ``on_batch``,
  that is only **after** the batch's transaction has committed;
* ``{"event": "done", "counts": {...}}`` - the worker's import finished;
* ``{"event": "error", "error": "..."}`` - the worker's import raised;
* ``{"event": "exit", "pid": ..., "signal": ..., "code": ...}`` - from the fork server, after
  reaping the worker, so every line the worker wrote has been read before it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: find tests/

from backchannel.ingest.stix_bundle import BatchDone, import_stix
from backchannel.model.envelope import Envelope
from backchannel.model.vocab import TLP, Credibility, Reliability
from backchannel.store.engine import open_store
from tests.fork_server import say, serve


def envelope_from_json(text: str) -> Envelope:
    raw = json.loads(text)
    return Envelope(
        source=raw["source"],
        originator=raw["originator"],
        channel=raw["channel"],
        tlp=TLP(raw["tlp"]),
        reliability=Reliability(raw["reliability"]),
        credibility=Credibility(raw["credibility"]),
    )


def work(db_url: str, bundle: str, batch_size: int, env: Envelope) -> None:
    """The worker: one complete import run, acknowledging each committed batch."""
    say({"event": "start", "pid": os.getpid()})

    def on_batch(done: BatchDone) -> None:
        c = done.counts
        wrote = c.new + c.new_version + c.older_version + c.redelivered
        say(
            {
                "event": "batch",
                "batch": done.batch,
                "file": done.file,
                "through": done.through_position,
                "objects": done.objects,
                "wrote": wrote,
            }
        )

    store = open_store(db_url, create=True)
    try:
        summary = import_stix(store, [bundle], env, batch_size=batch_size, on_batch=on_batch)
    finally:
        store.close()
    say(
        {"event": "done", "counts": summary.counts.as_dict(), "rejections": len(summary.rejections)}
    )


def main(argv: list[str]) -> int:
    db_url, bundle, batch_size, env_json = argv[1:5]
    env = envelope_from_json(env_json)
    return serve("kill_child", lambda: work(db_url, bundle, int(batch_size), env))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
