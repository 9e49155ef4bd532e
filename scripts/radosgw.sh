#!/usr/bin/env bash
# A throwaway single-node Ceph cluster (memstore, cephx off) with radosgw on 127.0.0.1, for tests.
# radosgw verifies S3 (SigV4) signatures, unlike s3rver, so tests against it prove the gateway signs right.
#
# usage: scripts/radosgw.sh start <dir> <mon-port> <rgw-port> <access-key> <secret-key>
#        scripts/radosgw.sh stop <dir>
#
# start prints the S3 endpoint (http://127.0.0.1:<rgw-port>) when radosgw answers and the user exists.
# It is idempotent: when the cluster in <dir> is already up it only prints the endpoint. Every ceph
# command is time-bounded, so a broken cluster fails within seconds instead of hunting forever.
# stop kills exactly the daemons start launched (their pids are in <dir>/run/*.pid) and removes <dir>.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?dir}
run="$dir/run"

# A pid that exists and is not a zombie (an exited daemon whose parent has not reaped it yet).
running() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
alive() { [ -f "$1" ] && running "$(cat "$1")"; }

stop_all() {
  local pids=() p
  for p in "$run"/*.pid; do [ -f "$p" ] && pids+=("$(cat "$p")"); done
  [ ${#pids[@]} -eq 0 ] && return 0
  # SIGKILL: the cluster lives in memory and is thrown away, and a graceful OSD/radosgw shutdown takes ~5 s.
  kill -KILL "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    local left=0
    for p in "${pids[@]}"; do running "$p" && left=1; done
    [ $left -eq 0 ] && break
    sleep 0.1
  done
  rm -f "$run"/*.pid
}

if [ "$cmd" = stop ]; then
  [ -d "$dir" ] || exit 0
  stop_all
  # Only remove what this script created (the marker file guards against a mistyped directory).
  [ -f "$dir/.tarash-radosgw" ] && rm -rf "$dir"
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop <dir> ..." >&2; exit 2; }

monport=${3:?mon port}
rgwport=${4:?rgw port}
ak=${5:?access key}
sk=${6:?secret key}
endpoint="http://127.0.0.1:$rgwport"
conf="$dir/ceph.conf"

if alive "$run/mon.pid" && alive "$run/osd.pid" && alive "$run/rgw.pid" && [ -f "$dir/endpoint" ]; then
  cat "$dir/endpoint"
  exit 0
fi

fail() {
  echo "radosgw.sh: $1" >&2
  for f in "$dir"/log/*.log; do [ -f "$f" ] && { echo "--- $f (tail)" >&2; tail -n 15 "$f" >&2; }; done
  stop_all
  exit 1
}

# A half-started cluster from an earlier run is discarded.
[ -d "$dir" ] && [ -f "$dir/.tarash-radosgw" ] && { stop_all; rm -rf "$dir"; }
mkdir -p "$dir"/{run,log,mon,osd,rgw}
touch "$dir/.tarash-radosgw"
fsid=$(cat /proc/sys/kernel/random/uuid)
cat > "$conf" <<CONF
[global]
fsid = $fsid
# msgr v1 only, everywhere: the monmap, "mon host" and every daemon's bind agree (a monitor on v2
# while "mon host" says v1 leaves clients hunting forever).
ms bind msgr2 = false
mon host = v1:127.0.0.1:$monport
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms bind ipv4 = true
ms bind ipv6 = false
public addr = 127.0.0.1
run dir = $run
admin socket = $run/\$name.asok
log file = $dir/log/\$name.log
mon data = $dir/mon/\$name
osd data = $dir/osd/\$name
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon max pg per osd = 1000
# With cephx off the OSD sends its start-up mon commands before it knows the cluster fsid, and the
# monitor refuses them ("wrong fsid"); the crush entry is added by this script instead.
osd crush update on start = false
osd class update on start = false
osd max object name len = 460
osd max object namespace len = 64
client mount timeout = 15
rados mon op timeout = 15
rados osd op timeout = 15
[client.rgw.test]
rgw frontends = beast endpoint=127.0.0.1:$rgwport
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
CONF

ceph_() { timeout 10 ceph --conf "$conf" --connect-timeout 5 "$@"; }
# Daemons run in the foreground under setsid, so $! is the daemon itself (stop kills exactly it) and
# they outlive this script.
launch() {
  local name=$1; shift
  setsid "$@" -f >"$dir/log/$name.out" 2>&1 < /dev/null &
  echo $! > "$run/$name.pid"
}
# wait_for <seconds> <pidfile> <what> <command...>: poll the command until it succeeds, the daemon dies
# or the deadline passes.
wait_for() {
  local deadline=$((SECONDS + $1)) pidfile=$2 what=$3; shift 3
  until "$@" >/dev/null 2>&1; do
    alive "$pidfile" || fail "$what: the daemon exited"
    [ $SECONDS -lt $deadline ] || fail "$what: timed out"
    sleep 0.25
  done
}
osd_up() { ceph_ osd stat -f json | grep -q '"num_up_osds":1'; }

# The monitor's address is given explicitly as msgr v1: `monmaptool --add` would record a v2 address
# for a non-default port, and the monitor binds what the monmap says.
timeout 20 monmaptool --create --addv a "[v1:127.0.0.1:$monport]" --fsid "$fsid" "$dir/monmap" >/dev/null || fail "monmaptool failed"
timeout 30 ceph-mon --conf "$conf" --mkfs -i a --monmap "$dir/monmap" >"$dir/log/mon-mkfs.out" 2>&1 || fail "ceph-mon --mkfs failed"
launch mon ceph-mon --conf "$conf" -i a
wait_for 20 "$run/mon.pid" "monitor on 127.0.0.1:$monport" ceph_ -s

osd=$(ceph_ osd create) || fail "ceph osd create failed"
mkdir -p "$dir/osd/osd.$osd"
timeout 30 ceph-osd --conf "$conf" -i "$osd" --mkfs >"$dir/log/osd-mkfs.out" 2>&1 || fail "ceph-osd --mkfs failed"
ceph_ osd crush add "osd.$osd" 1 root=default >/dev/null 2>&1 || fail "ceph osd crush add failed"
launch osd ceph-osd --conf "$conf" -i "$osd"
wait_for 30 "$run/osd.pid" "osd.$osd up" osd_up

launch rgw radosgw --conf "$conf" -n client.rgw.test
wait_for 60 "$run/rgw.pid" "radosgw on $endpoint" curl -sf -m 2 -o /dev/null "$endpoint/"

timeout 30 radosgw-admin --conf "$conf" -n client.admin user create --uid=tarash --display-name=tarash \
  --access-key="$ak" --secret-key="$sk" >"$dir/log/user-create.out" 2>&1 || fail "radosgw-admin user create failed"
echo "$endpoint" > "$dir/endpoint"
echo "$endpoint"
