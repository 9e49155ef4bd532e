#!/usr/bin/env bash
# The one test command (README, CI). Installs the system services the suite needs first (idempotent),
# then runs every test file with Node's own test runner; TypeScript is loaded through tsx.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x scripts/install-system-deps.sh ]; then scripts/install-system-deps.sh; fi
mapfile -t files < <(find test -name '*.test.ts' | sort)
# Bounded: no single test may run past 5 minutes, and a file whose tests are done exits even if a failed
# test left a server or a child process behind (a hung CI run tells nobody anything).
exec node --import tsx --test --test-concurrency=4 --test-timeout=300000 --test-force-exit --test-reporter=spec "${files[@]}"
