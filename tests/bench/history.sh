#!/usr/bin/env bash
# history.sh [N] [OLD]: how faxgwd answers with a long history (not part of
# make check; the figures are in docs/performance.md, "Bounded history").
#
# Fills a fresh state database with N finished jobs (default 1,000,000;
# every 1000th dead-lettered) by tests/bench/history_fill.sh, starts
# faxgwd on it, and prints:
#   - the time of `faxgwctl jobs --failed` (all dead letters) and of the
#     first page of `faxgwctl jobs` (--limit 1000), table and JSON (best
#     and median of 7 runs, milliseconds, faxgwctl start to exit);
#   - the time to list all N jobs, and faxgwd's VmRSS before and after it;
# then adds OLD (default 200,000) jobs finished before `history` and
# prints how long faxgwd's first pass took to delete them in batches, and
# its VmRSS after.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${FAXGW_BUILD:-$TOP/build}
N=${1:-1000000}
OLD=${2:-200000}
W=$(mktemp -d /tmp/faxgw-bench-history.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT
UDP=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$W/var" "$W/ext"
cat > "$W/faxgw.conf" <<CONF
[gateway]
spool = $W/var/spool
state = $W/var/faxgw.db
control = $W/var/faxgw.sock
extensions = $W/ext
store-root = $W/var
exec-dir = $W
history = 90d
[port 1]
transport = t38
listen = 127.0.0.1:$UDP
CONF
export FAXGW_SOCKET=$W/var/faxgw.sock

start() {
	"$B/faxgwd" -f -c "$W/faxgw.conf" >> "$W/faxgwd.log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do [ -S "$W/var/faxgw.sock" ] && return 0; sleep 0.1; done
	echo "faxgwd did not start"; tail "$W/faxgwd.log"; exit 1
}
stop() { kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=; rm -f "$W/var/faxgw.sock"; }
rss() { awk '/^VmRSS/ { print $2 " kB" }' "/proc/$PID/status"; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" > /dev/null || exit 1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
# time7 CMD...: "best X ms, median Y ms" of 7 runs.
time7() {
	local v=() i
	for i in 1 2 3 4 5 6 7; do v+=("$(ms "$@")"); done
	printf '%s\n' "${v[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "best %d ms, median %d ms\n", a[1], a[4] }'
}

start; stop                       # the schema
t0=$(date +%s)
"$TOP/tests/bench/history_fill.sh" "$W/var/faxgw.db" "$N" 1000 60 || exit 1
echo "filled $N jobs in $(( $(date +%s) - t0 )) s ($(du -h "$W/var/faxgw.db" | cut -f1) database)"
start
sleep 1
echo "faxgwd VmRSS after start:           $(rss)"
echo "faxgwctl jobs --failed ($((N / 1000)) jobs):  $(time7 "$B/faxgwctl" jobs --failed)"
echo "faxgwctl --json jobs --failed:      $(time7 "$B/faxgwctl" --json jobs --failed)"
echo "faxgwctl jobs --limit 1000:         $(time7 "$B/faxgwctl" jobs --limit 1000)"
echo "faxgwctl --json jobs --limit 1000:  $(time7 "$B/faxgwctl" --json jobs --limit 1000)"
echo "faxgwctl jobs (all $N):       $(ms "$B/faxgwctl" jobs) ms"
echo "faxgwctl --json jobs (all $N): $(ms "$B/faxgwctl" --json jobs) ms"
echo "faxgwd VmRSS after listing all:     $(rss)"
stop

"$TOP/tests/bench/history_fill.sh" "$W/var/faxgw.db" "$OLD" 1000 $((100 * 86400)) || exit 1
t0=$(date +%s%N)
start
for _ in $(seq 600); do grep -q 'history: deleted' "$W/faxgwd.log" && break; sleep 0.1; done
t1=$(date +%s%N)
grep 'history: deleted' "$W/faxgwd.log" | tail -n 1
echo "start to the end of the pass: $(( (t1 - t0) / 1000000 )) ms for $OLD jobs ($(( OLD / 500 )) batches of 500)"
echo "faxgwctl jobs --limit 1000 after:   $(time7 "$B/faxgwctl" jobs --limit 1000)"
echo "faxgwd VmRSS after the pass:        $(rss)"
stop
