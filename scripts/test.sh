#!/usr/bin/env bash
# Runs the whole test suite. PostgreSQL tests use $BACKCHANNEL_TEST_DATABASE_URL when it is
# set; otherwise this starts a throwaway server on 127.0.0.1 (installing Debian's postgresql
# first when running as root), and stops and deletes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BACKCHANNEL_TEST_DATABASE_URL:-}" ]; then
  # shellcheck source=scripts/pg-throwaway.sh
  source scripts/pg-throwaway.sh
  if pg_up; then
    trap pg_down EXIT
  else
    echo "test.sh: running without PostgreSQL (its tests will be reported as skipped)" >&2
  fi
fi
.venv/bin/python -m pytest "$@"
