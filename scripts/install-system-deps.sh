#!/usr/bin/env bash
# System services the test suite runs for real: Redis (BullMQ jobs), PostgreSQL (the gateway's database on a
# server), Ceph radosgw (an S3-compatible store that verifies signatures) and Chromium (the playground's
# browser test). Idempotent: a machine that
# has them installs nothing. Needs root (or sudo) and Debian's package archive.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v radosgw >/dev/null 2>&1 || need+=(radosgw)
command -v ceph-mon >/dev/null 2>&1 || need+=(ceph-mon)
command -v ceph-osd >/dev/null 2>&1 || need+=(ceph-osd)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Debian keeps PostgreSQL's server binaries out of PATH, under /usr/lib/postgresql/<major>/bin.
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
