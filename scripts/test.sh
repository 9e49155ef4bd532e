#!/usr/bin/env bash
# The one test command (README, CI). Installs the system services the suite needs first (idempotent),
# then runs every test file with Node's own test runner; TypeScript is loaded through tsx.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x scripts/install-system-deps.sh ]; then scripts/install-system-deps.sh; fi
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=4 --test-reporter=spec "${files[@]}"
